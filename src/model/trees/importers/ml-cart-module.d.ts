// ml-cart 2.1 ships no types; only the surface LeadLens touches (training tests, fromMlCart input).
declare module 'ml-cart' {
  interface Distribution {
    columns: number;
    get(row: number, column: number): number;
  }
  interface TreeNodeLike {
    classify(row: number[]): Distribution;
  }
  export class DecisionTreeClassifier {
    constructor(options?: {
      gainFunction?: 'gini';
      splitFunction?: 'mean';
      minNumSamples?: number;
      maxDepth?: number;
      gainThreshold?: number;
    });
    root: TreeNodeLike;
    train(X: number[][], y: number[]): void;
    predict(X: number[][]): number[];
    toJSON(): { options: Record<string, unknown>; root: unknown; name: 'DTClassifier' };
    static load(json: unknown): DecisionTreeClassifier;
  }
}
