// Deterministic image functions on CHW float tensors (or batches [..., C, H, W]): torchvision's
// transforms.functional, with its names in camelCase.

export { toTensor, toPixels, normalize, type RawImage } from './convert.js';
export { resize, resizedSize, crop, centerCrop, pad, hflip, vflip, resizeToSquare, foldIndex, type Size, type Padding, type PaddingMode, type FillMode, type Interpolation } from './geometry.js';
export { rotate, affine, perspective, perspectiveCoeffs, inverseAffineMatrix, type WarpOptions, type AffineParams, type Point } from './warp.js';
export { rgbToGrayscale, adjustBrightness, adjustContrast, adjustSaturation, adjustHue, adjustColors, erase, type ColorStep } from './color.js';
export { roundHalfEven } from './image.js';
