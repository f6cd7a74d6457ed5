/** Which picked files may be added, following the uploader's `accept`, `limit` and `maxSize`. */

export interface FileRules {
  /** Same syntax as the `accept` attribute: ".pdf,image/*,video/mp4". */
  accept?: string;
  /** Most files in the list at once (files already listed count). */
  limit?: number;
  /** Bytes. */
  maxSize?: number;
}

export type RejectReason = 'type' | 'size' | 'limit';

export interface Rejection {
  name: string;
  reason: RejectReason;
}

export interface RuleResult {
  accepted: File[];
  rejected: Rejection[];
}

export function applyFileRules(files: readonly File[], rules: FileRules, alreadyListed: number): RuleResult {
  const accepted: File[] = [];
  const rejected: Rejection[] = [];
  const patterns = parseAccept(rules.accept);
  for (const file of files) {
    if (patterns.length > 0 && !patterns.some((pattern) => matches(pattern, file))) {
      rejected.push({ name: file.name, reason: 'type' });
    } else if (rules.maxSize !== undefined && file.size > rules.maxSize) {
      rejected.push({ name: file.name, reason: 'size' });
    } else if (rules.limit !== undefined && alreadyListed + accepted.length >= rules.limit) {
      rejected.push({ name: file.name, reason: 'limit' });
    } else {
      accepted.push(file);
    }
  }
  return { accepted, rejected };
}

function parseAccept(accept: string | undefined): string[] {
  return (accept ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
}

function matches(pattern: string, file: File): boolean {
  if (pattern.startsWith('.')) return file.name.toLowerCase().endsWith(pattern);
  const type = file.type.toLowerCase();
  if (pattern.endsWith('/*')) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}
