/**
 * Importing an xgboost binary:logistic booster (`Booster.save_raw('json')`, xgboost ≥ 1.6) into
 * the TreeEnsemble normal form: xgboost goes left iff x < split_condition, sends missing
 * values down `default_left`, keeps the hessian sum per node (our cover) and starts from
 * logit(base_score). xgboost compares float32 inputs; rows rounded with Math.fround route
 * exactly as in xgboost. Used to check TreeSHAP against xgboost's own pred_contribs and to let
 * teams bring an xgboost model they already trust.
 */
import { z } from 'zod';
import { checkTree } from '../tree-ensemble';
import { TreeModelError } from '../tree-errors';
import type { FlatTree, TreeEnsemble } from '../../types';

const XgbTreeSchema = z.object({
  left_children: z.array(z.number().int()),
  right_children: z.array(z.number().int()),
  split_indices: z.array(z.number().int()),
  split_conditions: z.array(z.number()),
  default_left: z.array(z.number().int()),
  sum_hessian: z.array(z.number()),
  split_type: z.array(z.number().int()).optional(),
});
const XgbModelSchema = z.object({
  learner: z.object({
    learner_model_param: z.object({ base_score: z.string(), num_feature: z.string() }),
    objective: z.object({ name: z.string() }),
    gradient_booster: z.object({
      name: z.literal('gbtree'),
      model: z.object({ trees: z.array(XgbTreeSchema) }),
    }),
  }),
});

const invalid = (why: string): never => {
  throw new TreeModelError(
    'ENSEMBLE_INVALID',
    `The xgboost model cannot be imported: ${why}.`,
    'Export a gbtree binary:logistic booster with booster.save_raw("json") (xgboost 1.6 or later).',
  );
};

export function fromXgboostJson(json: unknown): TreeEnsemble {
  const parsed = XgbModelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const { learner } = parsed.data;
  if (
    learner.objective.name !== 'binary:logistic' &&
    learner.objective.name !== 'binary:logitraw'
  ) {
    invalid(`objective '${learner.objective.name}' is not a binary logistic one`);
  }
  const baseScore = Number(learner.learner_model_param.base_score);
  const nFeatures = Number(learner.learner_model_param.num_feature);
  if (!(baseScore > 0 && baseScore < 1)) invalid(`base_score ${baseScore} is not a probability`);
  const trees = learner.gradient_booster.model.trees.map((t, k): FlatTree => {
    if (t.split_type?.some((s) => s !== 0)) invalid(`tree ${k} uses categorical splits`);
    const leaf = t.left_children.map((c) => c === -1);
    const tree: FlatTree = {
      left: Int32Array.from(t.left_children),
      right: Int32Array.from(t.right_children),
      feature: Int32Array.from(t.split_indices, (f, j) => (leaf[j] ? -1 : f)),
      // xgboost stores float32 and its hist cuts are data values, so ties are common: restore
      // the exact float32 threshold (JSON prints the shortest decimal, not the float32 itself).
      // On leaves split_conditions holds the leaf value.
      threshold: Float64Array.from(t.split_conditions, (c, j) => (leaf[j] ? 0 : Math.fround(c))),
      defaultLeft: Uint8Array.from(t.default_left, (d) => (d ? 1 : 0)),
      value: Float64Array.from(t.split_conditions, (c, j) => (leaf[j] ? c : 0)),
      cover: Float64Array.from(t.sum_hessian),
    };
    checkTree(tree, nFeatures, k);
    return tree;
  });
  return {
    trees,
    nFeatures,
    baseMargin: Math.log(baseScore / (1 - baseScore)),
    comparison: 'lt',
    aggregate: 'sum',
    output: 'logit',
  };
}
