// tg.data: datasets, loaders, image transforms, image and dataset file formats, streaming statistics.
// Everything here loads in a browser; functions that need Node's file system reach it only when called.

export { Dataset, TensorDataset, Subset, ConcatDataset, MappedDataset, randomSplit, type RandomSplitOptions } from './dataset.js';
export { DataLoader, type DataLoaderOptions, type SampleSource } from './dataloader.js';
export { defaultCollate, stackSamples, type Collate } from './collate.js';
export { permutation, epochGenerator } from './sampling.js';
export { computeStats, computeStatsSync, StatsAccumulator, type ChannelStats } from './stats.js';
export * as transforms from './transforms/index.js';
export * as functional from './functional/index.js';
export { toTensor, toPixels, type RawImage } from './functional/convert.js';
export { decodeImage, decodeImageAsync, encodePng, convertMode, sniffFormat, DEFAULT_MAX_PIXELS, type ImageMode, type DecodeOptions } from './codecs.js';
export { MNIST, loadMNIST, mnistFromIdx } from './mnist.js';
export { CIFAR10, CIFAR10_CLASSES, parseCifar10, encodeCifar10 } from './formats/cifar.js';
export { parseIdx, encodeIdx, type IdxArray, type IdxOptions } from './formats/idx.js';
export { ImageFolder, CsvImageDataset, ImageFileDataset, parseLabelsCsv, IMAGE_EXTENSIONS, type ImageFolderOptions, type CsvImageOptions, type ImageFileOptions } from './folders.js';
export { parseCsv, parseCsvRecords, type CsvRecord } from './formats/csv.js';
export { readTar, writeTar, type TarEntry } from './formats/tar.js';
export { UrlImageDataset, type UrlImageOptions } from './url-images.js';
export { readImage, writePng, readIdxFile, readMNIST, readCIFAR10, download, downloadMNIST, downloadCIFAR10, MNIST_URLS, CIFAR10_URL } from './files.js';
export { DecodePool } from './decode-pool.js';
