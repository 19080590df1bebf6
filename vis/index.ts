// tg.vis: the pictures of the course's labs (matplotlib and torchvision.utils), drawn with real text.
export { makeGrid, saveImage, encodeImage, toPixels, type MakeGridOptions, type SaveImageOptions } from './grid.js';
export { Figure, overlaps, type Box, type Shape, type RGB } from './scene.js';
export { curves, curvesLayout, curvesSvg, curvesPng, CURVES_SIZE, type CurvePoint, type CurvesOptions, type CurvesLayout } from './curves.js';
export { axesLayout, drawAxes, coversData, labelBoxes, niceTicks, formatTicks, TAB10, type AxesSpec, type AxesLayout, type Series, type SeriesLayout, type Tick } from './axes.js';
export { textWidth, lineHeight, FONT_FAMILY } from './font.js';
export { confusion, confusionLayout, confusionMatrix, confusionPng, confusionSvg, type ConfusionOptions, type ConfusionLayout } from './confusion.js';
export { montage, montageLayout, type MontageOptions, type MontageLayout } from './montage.js';
export { captureFeatureMaps, featureMaps, featureMapsFigure, featureMapsLayout, type Activation, type CaptureOptions, type FeatureMapsOptions, type FeatureMapsLayout, type ModelLike } from './featuremaps.js';
export { imshowPixels, blues, type ImshowOptions } from './colormap.js';
