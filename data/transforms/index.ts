// torchvision.transforms, as classes with apply(img): torchvision's positional arguments, or one options object.

export { Compose, Lambda, type Transform, type RandomOptions } from './transform.js';
export { ToTensor, Normalize, Resize, CenterCrop, Pad, ResizeToSquare, Grayscale, type NormalizeOptions, type ResizeOptions, type PadOptions, type ResizeToSquareOptions } from './basic.js';
export { RandomCrop, RandomResizedCrop, RandomHorizontalFlip, RandomVerticalFlip, RandomRotation, RandomAffine, RandomPerspective, type RandomCropOptions, type RandomRotationOptions, type RandomAffineOptions, type RandomPerspectiveOptions, type RandomResizedCropOptions, type RandomCropArgs, type RandomRotationArgs, type RandomAffineArgs } from './random-geometry.js';
export { ColorJitter, RandomGrayscale, RandomErasing, type ColorJitterOptions, type RandomErasingOptions } from './random-color.js';
