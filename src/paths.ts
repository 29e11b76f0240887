import { existsSync } from 'node:fs';
import path from 'node:path';

/** The project folder, whether code runs from src/ (tests) or dist/src/ (built). */
export function projectRoot(from = __dirname): string {
  return existsSync(path.join(from, 'package.json')) ? from : projectRoot(path.dirname(from));
}
