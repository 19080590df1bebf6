// tg.vis: the pictures of the course's labs (matplotlib and torchvision.utils), drawn with real text.
export { makeGrid, saveImage, encodeImage, toPixels, type MakeGridOptions, type SaveImageOptions } from './grid.js';
