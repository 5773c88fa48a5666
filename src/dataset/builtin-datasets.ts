import { readFileSync } from 'node:fs';
import { LockstepError } from '../core/errors.js';
import { classroom } from './classroom.js';
import type { Dataset } from './dataset.js';
import { learning } from './learning.js';
import { validateDataset } from './validate-dataset.js';

export const BUILTIN_DATASETS: Readonly<Record<string, Dataset>> = { classroom, learning };

/**
 * A built-in dataset by name, or a user's dataset from a JSON file (validated, every problem named).
 *
 * @example
 * loadDataset('classroom'); loadDataset('./my-dataset.json');
 */
export function loadDataset(nameOrPath: string): Dataset {
  const builtin = BUILTIN_DATASETS[nameOrPath];
  if (builtin) return builtin;
  if (!nameOrPath.endsWith('.json'))
    throw new LockstepError('E_DATASET_INVALID', `unknown dataset "${nameOrPath}": use ${Object.keys(BUILTIN_DATASETS).join(' or ')}, or a .json file`);
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (e) {
    throw new LockstepError('E_DATASET_INVALID', `cannot read dataset file ${nameOrPath}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LockstepError('E_DATASET_INVALID', `${nameOrPath} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return validateDataset(json, nameOrPath);
}
