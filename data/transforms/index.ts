// torchvision.transforms, as classes with options objects and apply(img).

export { Compose, Lambda, type Transform, type RandomOptions } from './transform.js';
export { ToTensor, Normalize, Resize, CenterCrop, Pad, ResizeToSquare, Grayscale } from './basic.js';
export { RandomCrop, RandomHorizontalFlip, RandomVerticalFlip, RandomRotation, RandomAffine, RandomPerspective, type RandomCropOptions, type RandomRotationOptions, type RandomAffineOptions, type RandomPerspectiveOptions } from './random-geometry.js';
export { ColorJitter, RandomGrayscale, RandomErasing, type ColorJitterOptions, type RandomErasingOptions } from './random-color.js';
