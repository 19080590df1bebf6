// Datasets of image files on disk (Node): ImageFolder (one sub-folder per class, as torchvision's
// ImageFolder and Keras's flow_images_from_directory) and CsvImageDataset (a labels.csv of id,label and a
// folder of <id>.jpg, as the dog-breed lab). Files are read and decoded when a sample is asked for.

import type { Tensor } from '../engine/index.js';
import { checkMaxPixels, decodeImage, type ImageMode } from './codecs.js';
import { asFunction, checkIndex, Dataset } from './dataset.js';
import { toTensor, type RawImage } from './functional/convert.js';
import { fs, path } from './node-modules.js';
import type { DecodePool } from './decode-pool.js';
import { parseCsvRecords, type CsvRecord } from './formats/csv.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'];

export interface ImageFileOptions {
  /** applied to the decoded CHW float image (e.g. a Compose of augmentations and Normalize) */
  transform?: ((img: Tensor) => Tensor) | { apply(img: Tensor): Tensor };
  /** 'RGB' (default), 'L' or 'RGBA' */
  mode?: ImageMode;
  /** refuse images whose header declares more pixels (default DEFAULT_MAX_PIXELS = 2^28); also on decode workers */
  maxPixels?: number;
}

/** A dataset of (file, class index) pairs whose images are decoded on demand. */
export abstract class ImageFileDataset extends Dataset<Tensor, number> {
  abstract readonly samples: readonly (readonly [string, number])[];
  /** class names, sorted; a label is an index into this list */
  abstract readonly classes: readonly string[];
  #transform: ((img: Tensor) => Tensor) | null;
  /** the options as given (a DataLoader worker rebuilds the dataset from its root and these) */
  readonly options: Readonly<ImageFileOptions>;
  #mode: ImageMode;
  #maxPixels: number;
  /** images decoded ahead on worker threads by prepare(), waiting for get() */
  #ready = new Map<number, { image?: RawImage; error?: Error }>();

  constructor(options: ImageFileOptions) {
    super();
    this.options = { ...options };
    this.#transform = options.transform ? asFunction<Tensor, Tensor>(options.transform) : null;
    this.#mode = options.mode ?? 'RGB';
    this.#maxPixels = checkMaxPixels(options.maxPixels, this.constructor.name);
  }

  /** name → index */
  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  get length(): number {
    return this.samples.length;
  }

  /** The decoded image (before the transform) of sample i. Throws naming the file if it is missing or damaged. */
  loadImage(index: number): Tensor {
    const [file] = this.samples[checkIndex(index, this.samples.length, `${this.constructor.name}.get`)];
    const ready = this.#ready.get(index);
    if (ready) {
      this.#ready.delete(index);
      if (ready.error) throw ready.error;
      return toTensor(ready.image!);
    }
    let bytes: Uint8Array;
    try {
      bytes = fs('ImageFolder').readFileSync(file);
    } catch (e) {
      throw new Error(`${this.constructor.name}: cannot read ${file}: ${(e as Error).message}`);
    }
    return toTensor(decodeImage(bytes, { name: file, mode: this.#mode, maxPixels: this.#maxPixels }));
  }

  /**
   * Decodes sample `index` on a worker ahead of time (the DataLoader's `workers` option calls this);
   * the next get(index) then only transforms. Failures are kept and thrown by that get().
   */
  async prepare(index: number, pool: DecodePool | null): Promise<void> {
    if (!pool) return; // without workers, get() decodes on this thread
    const [file] = this.samples[checkIndex(index, this.samples.length, `${this.constructor.name}.prepare`)];
    try {
      this.#ready.set(index, { image: await pool.decodeFile(file, this.#mode, this.#maxPixels) });
    } catch (e) {
      const msg = (e as Error).message;
      this.#ready.set(index, { error: new Error(msg.startsWith('cannot read') ? `${this.constructor.name}: ${msg}` : msg) });
    }
  }

  get(index: number): [Tensor, number] {
    const img = this.loadImage(index);
    return [this.#transform ? this.#transform(img) : img, this.samples[checkIndex(index, this.samples.length, 'get')][1]];
  }
}

export interface ImageFolderOptions extends ImageFileOptions {
  /** file endings that count as images (default .jpg, .jpeg, .png, any case) */
  extensions?: readonly string[];
}

/** root/<class>/<image>: classes are the sub-folder names, sorted; samples sorted by class then file name. */
export class ImageFolder extends ImageFileDataset {
  readonly samples: [string, number][] = [];
  readonly classes: string[];

  constructor(readonly root: string, options: ImageFolderOptions = {}) {
    super(options);
    const f = fs('ImageFolder');
    const p = path('ImageFolder');
    const exts = (options.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase());
    let entries;
    try {
      entries = f.readdirSync(root, { withFileTypes: true });
    } catch (e) {
      throw new Error(`ImageFolder: cannot list ${root}: ${(e as Error).message}`);
    }
    this.classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    if (this.classes.length === 0) throw new Error(`ImageFolder: ${root} has no class sub-folders (expected root/<class>/<image files>)`);
    this.classes.forEach((cls, label) => {
      const dir = p.join(root, cls);
      const files = f.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && exts.includes(p.extname(e.name).toLowerCase())).map((e) => e.name).sort();
      for (const file of files) this.samples.push([p.join(dir, file), label]);
    });
    if (this.samples.length === 0) throw new Error(`ImageFolder: found no ${exts.join('/')} files under ${root}/<class>/`);
  }
}

export interface CsvImageOptions extends ImageFileOptions {
  /** the labels file (default <root>/labels.csv) */
  csv?: string;
  /** the image folder (default <root>/train) */
  imageDir?: string;
  /** added to each id to make the file name (default '.jpg') */
  extension?: string;
  /** columns holding the id and the label (default: the first and second) */
  idColumn?: string;
  labelColumn?: string;
}

/** Parses a labels CSV with a header row into [id, label] rows (strict RFC 4180, see formats/csv.ts); errors name the file and line. */
export function parseLabelsCsv(text: string, options: { idColumn?: string; labelColumn?: string; name?: string } = {}): [string, string][] {
  const name = options.name ?? 'labels.csv';
  let records: CsvRecord[];
  try {
    records = parseCsvRecords(text.replace(/^\uFEFF/, ''), name);
  } catch (e) {
    throw new Error(`CsvImageDataset: ${(e as Error).message}`);
  }
  // blank lines (and lines of only spaces) are skipped; cells are trimmed
  const rows = records.filter((r) => !(r.cells.length === 0 || (r.cells.length === 1 && r.cells[0].trim() === ''))).map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) }));
  if (rows.length < 2) throw new Error(`CsvImageDataset: ${name} needs a header row and at least one row of id,label`);
  const header = rows[0].cells;
  const col = (want: string | undefined, fallback: number, what: string) => {
    if (want === undefined) return fallback;
    const k = header.indexOf(want);
    if (k < 0) throw new Error(`CsvImageDataset: ${name} has no column '${want}' for the ${what} (columns: ${header.join(', ')})`);
    return k;
  };
  const idCol = col(options.idColumn, 0, 'id');
  const labelCol = col(options.labelColumn, 1, 'label');
  return rows.slice(1).map(({ line, cells }) => {
    if (cells.length <= Math.max(idCol, labelCol) || cells[idCol] === '' || cells[labelCol] === '') {
      throw new Error(`CsvImageDataset: ${name} line ${line} should have an id and a label, got '${cells.join(',')}'`);
    }
    return [cells[idCol], cells[labelCol]];
  });
}

/** labels.csv (id,label) + a folder of <id><extension>: string labels become indices into the sorted `classes`. */
export class CsvImageDataset extends ImageFileDataset {
  readonly samples: [string, number][];
  readonly classes: string[];
  /** the id of each sample, in CSV order */
  readonly ids: string[];

  constructor(readonly root: string, options: CsvImageOptions = {}) {
    super(options);
    const p = path('CsvImageDataset');
    const csv = options.csv ?? p.join(root, 'labels.csv');
    const imageDir = options.imageDir ?? p.join(root, 'train');
    let text: string;
    try {
      text = new TextDecoder().decode(fs('CsvImageDataset').readFileSync(csv));
    } catch (e) {
      throw new Error(`CsvImageDataset: cannot read ${csv}: ${(e as Error).message}`);
    }
    const rows = parseLabelsCsv(text, { ...options, name: csv });
    this.classes = [...new Set(rows.map((r) => r[1]))].sort();
    const index = this.classToIdx;
    this.ids = rows.map((r) => r[0]);
    this.samples = rows.map(([id, label]) => [p.join(imageDir, id + (options.extension ?? '.jpg')), index[label]]);
  }
}
