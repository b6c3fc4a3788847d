/** What the repository builder needs to know to produce one model folder. */
export interface ModelRecipe {
  /** Folder name under the repository, which is also the model's name on the server. */
  name: string;
  version: number;
  /**
   * Files outside scripts/models/ whose content decides the output (a model we copy, say).
   * The generator's own sources are always part of the stamp.
   */
  inputs: readonly string[];
  /** Written as model.json when the repository has none; a committed one wins. */
  config: ModelConfig;
  /** Class names in output index order, written as labels.txt when missing. */
  labels?: readonly string[];
  /** Other files of the model folder (a tokenizer, say), by name: rewritten whenever they differ. */
  files?: () => Record<string, string>;
  /** Produces model.onnx; `log` prints progress lines prefixed with the model name. */
  build(log: (line: string) => void): Promise<Uint8Array>;
}

/** model.json as this script writes it; the server's config parser owns the schema and checks it. */
export interface ModelConfig {
  description: string;
  task: 'classification' | 'text-detection' | 'text-recognition' | 'text-generation' | 'voice-activity-detection';
  [field: string]: unknown;
}
