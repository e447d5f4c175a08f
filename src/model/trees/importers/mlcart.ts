/**
 * Loading ml-cart DecisionTreeClassifier trees (`toJSON()` output) into the TreeEnsemble normal
 * form, so TreeSHAP explains them like our own trees. ml-cart goes left iff
 * `row[col] < splitValue` ('lt'); its leaves hold class proportions (a leaf whose rows are all
 * class 0 has a length-1 distribution) and it keeps no usable cover (`numberSamples` is missing
 * on some nodes and dropped by `load`), so cover is rebuilt by routing the training rows.
 */
import { z } from 'zod';
import { TreeModelError } from '../tree-errors';
import type { EncodedMatrix, FlatTree, TreeEnsemble } from '../../types';

interface MlCartNode {
  splitColumn?: number;
  splitValue?: number;
  left?: MlCartNode;
  right?: MlCartNode;
  distribution?: number[][] | number;
}

const NodeSchema: z.ZodType<MlCartNode> = z.lazy(() =>
  z.object({
    splitColumn: z.number().int().min(0).optional(),
    splitValue: z.number().optional(),
    left: NodeSchema.optional(),
    right: NodeSchema.optional(),
    distribution: z.union([z.array(z.array(z.number())), z.number()]).optional(),
  }),
);
const ClassifierSchema = z.object({
  name: z.literal('DTClassifier'),
  root: NodeSchema,
});

const invalid = (why: string): never => {
  throw new TreeModelError(
    'ENSEMBLE_INVALID',
    `The ml-cart tree cannot be loaded: ${why}.`,
    'Pass the object returned by DecisionTreeClassifier#toJSON() of a trained tree.',
  );
};

/** Class-1 proportion of a leaf; single-class-0 leaves have no second entry. */
function classOne(node: MlCartNode): number {
  const d = node.distribution;
  if (d === undefined) return invalid('a leaf has no distribution');
  if (typeof d === 'number') return d;
  const row = d[0];
  if (!row || row.length === 0) return invalid('a leaf has an empty distribution');
  return row.length > 1 ? row[1] : 0;
}

/**
 * Convert an ml-cart classifier tree; `X` are the training rows (encoded, same columns) whose
 * routing gives every node its cover, weighted by `weights` when given.
 */
export function fromMlCart(json: unknown, X: EncodedMatrix, weights?: Float64Array): TreeEnsemble {
  const parsed = ClassifierSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (weights && weights.length !== X.n) {
    throw new TreeModelError(
      'INPUT_INVALID',
      `There are ${weights.length} weights for ${X.n} rows.`,
      'Pass one weight per row.',
    );
  }
  const left: number[] = [];
  const right: number[] = [];
  const feature: number[] = [];
  const threshold: number[] = [];
  const value: number[] = [];
  // Breadth-first numbering keeps children after parents, as FlatTree requires.
  const queue: MlCartNode[] = [parsed.data.root];
  for (let j = 0; j < queue.length; j++) {
    const node = queue[j];
    const internal = node.left !== undefined && node.right !== undefined;
    if (internal) {
      if (node.splitColumn === undefined || node.splitValue === undefined)
        invalid(`node ${j} has children but no split`);
      if ((node.splitColumn as number) >= X.p)
        invalid(`node ${j} splits on column ${node.splitColumn}, but X has ${X.p} columns`);
      left.push(queue.length);
      queue.push(node.left as MlCartNode);
      right.push(queue.length);
      queue.push(node.right as MlCartNode);
      feature.push(node.splitColumn as number);
      threshold.push(node.splitValue as number);
      value.push(0);
    } else {
      left.push(-1);
      right.push(-1);
      feature.push(-1);
      threshold.push(0);
      value.push(classOne(node));
    }
  }
  const tree: FlatTree = {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    // NaN < v is false in ml-cart, so a missing value goes right.
    defaultLeft: new Uint8Array(left.length),
    value: Float64Array.from(value),
    cover: new Float64Array(left.length),
  };
  const { n, data } = X;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    let j = 0;
    tree.cover[0] += w;
    while (tree.left[j] !== -1) {
      j = data[tree.feature[j] * n + i] < tree.threshold[j] ? tree.left[j] : tree.right[j];
      tree.cover[j] += w;
    }
  }
  return {
    trees: [tree],
    nFeatures: X.p,
    baseMargin: 0,
    comparison: 'lt',
    aggregate: 'sum',
    output: 'probability',
  };
}
