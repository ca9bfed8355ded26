/** Attributions: integrated gradients (engine), KernelSHAP (any runtime), pictures (saliency PNG, SVG bars). */
export { integratedGradients, type Attributions, type IntegratedGradientsOptions } from './integrated-gradients.js';
export { inputGradients, type InputGradients } from './input-gradients.js';
export { kernelShap, type BatchPredict, type KernelShapOptions } from './kernel-shap.js';
export {
  explainModel,
  loadExplainable,
  fromRuntime,
  patchGroups,
  type ExplainMethod,
  type ExplainOptions,
  type Explanation,
  type ExplainableModel,
} from './explain-model.js';
export { saliencyPng, attributionSvg, type FeatureAttribution } from './pictures.js';
export { encodePng } from './png.js';
export { readExplainInput, type ExplainInput } from './explain-input.js';
