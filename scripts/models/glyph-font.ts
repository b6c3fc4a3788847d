/** The digits 0–9 as 5×7 bitmaps, the classic dot-matrix shapes; '#' is ink. */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;

const DIGITS = [
  ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  ['#####', '...#.', '..#..', '...#.', '....#', '#...#', '.###.'],
  ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
];

/** Class names in output index order, as written to labels.txt. */
export const GLYPH_LABELS: readonly string[] = DIGITS.map((_, digit) => String(digit));

/** Ink of each glyph as 0/1, row-major GLYPH_HEIGHT × GLYPH_WIDTH. */
export const GLYPH_BITMAPS: readonly Float32Array[] = DIGITS.map((rows) =>
  Float32Array.from(rows.join(''), (cell) => (cell === '#' ? 1 : 0)),
);
