// CSV as RFC 4180 and Python's csv module (excel dialect, strict=True) read it: fields separated by
// commas, records ended by LF or CRLF; a field may be quoted ("a, b"), with "" for a quote inside.
// Everything else is an error naming the file, line and column: an unterminated quote, characters after
// a closing quote, a CR not followed by LF (it would otherwise merge or split records silently), and —
// stricter than Python, as RFC 4180 — a quote inside an unquoted field.

export interface CsvRecord {
  cells: string[];
  /** the line (1-based) the record starts on */
  line: number;
}

// the reader's states, as in CPython's Modules/_csv.c
const START_RECORD = 0;
const START_FIELD = 1;
const IN_FIELD = 2;
const IN_QUOTED = 3;
const QUOTE_IN_QUOTED = 4;
const EAT_CRNL = 5;

/** The records of a CSV text; a blank line is a record with no cells, as in Python. Errors name `name`. */
export function parseCsvRecords(text: string, name = 'CSV text'): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let field = '';
  let state = START_RECORD;
  let [line, col, recordLine] = [1, 0, 1];
  let quoteAt = [0, 0];
  const fail = (why: string, at = [line, col]): never => {
    throw new Error(`${name} line ${at[0]}, column ${at[1]}: ${why}`);
  };
  // a field ends at a comma, or with its record at a CR, an LF or the end of a line
  const endField = (c: string | null) => {
    cells.push(field);
    field = '';
    if (c === ',') state = START_FIELD;
    else if (c === null) endRecord();
    else state = EAT_CRNL;
  };
  const endRecord = () => {
    records.push({ cells, line: recordLine });
    cells = [];
    state = START_RECORD;
  };
  const isEnd = (c: string | null) => c === null || c === '\n' || c === '\r';
  // one character, or null for the end of a line (after its LF, or at the end of the text), as Python's reader sees it
  const step = (c: string | null) => {
    if (state === START_RECORD) {
      recordLine = line;
      if (c === null) return endRecord();
      if (c === '\n' || c === '\r') return void (state = EAT_CRNL);
      state = START_FIELD;
    }
    if (state === START_FIELD) {
      if (isEnd(c) || c === ',') endField(c);
      else if (c === '"') (quoteAt = [line, col]), (state = IN_QUOTED);
      else (field += c), (state = IN_FIELD);
    } else if (state === IN_FIELD) {
      if (isEnd(c) || c === ',') endField(c);
      else if (c === '"') fail('a quote inside an unquoted field (quote the whole field and double the quote: "a""b")');
      else field += c;
    } else if (state === IN_QUOTED) {
      if (c === '"') state = QUOTE_IN_QUOTED;
      else if (c !== null) field += c;
    } else if (state === QUOTE_IN_QUOTED) {
      if (c === '"') (field += '"'), (state = IN_QUOTED);
      else if (isEnd(c) || c === ',') endField(c);
      else fail(`${JSON.stringify(c)} after the closing quote of a field (expected a comma or the end of the line)`);
    } else if (c === null) endRecord(); // EAT_CRNL: the line ends
    else if (c !== '\n' && c !== '\r') fail('new-line character (a CR not followed by LF) seen in an unquoted field');
  };
  for (const c of text) {
    col++;
    step(c);
    if (c === '\n') {
      step(null);
      line++;
      col = 0;
    }
  }
  if (text.length > 0 && !text.endsWith('\n')) step(null);
  if (state === IN_QUOTED) fail('unterminated quoted field (the quote opened here is never closed)', quoteAt);
  return records;
}

/** The rows of a CSV text as arrays of strings (see parseCsvRecords); errors are `parseCsv: <name> line …`. */
export function parseCsv(text: string, name = 'CSV text'): string[][] {
  try {
    return parseCsvRecords(text, name).map((r) => r.cells);
  } catch (e) {
    throw new Error(`parseCsv: ${(e as Error).message}`);
  }
}
