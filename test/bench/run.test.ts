import { describe, expect, it } from 'vitest';
import { BEGIN, END, mergeReport, parseGenerated, type SuiteRow } from './run';

const ORDER = ['local-oss', 'browser-upload', 'many-files'];

function row(suite: string, name: string, value: string): SuiteRow {
  return { suite, name, value, note: 'n' };
}

describe('the bench report', () => {
  it('replaces only the generated part, keeping notes kept by hand around it', () => {
    const first = mergeReport('', new Map([['local-oss', [row('local-oss', 'PUT', '1.0')]]]), 'T1', ORDER);
    const withNotes = `${first}\n## Notes from earlier runs\n\nKept by hand.\n`;
    const second = mergeReport(withNotes, new Map([['local-oss', [row('local-oss', 'PUT', '2.0')]]]), 'T2', ORDER);
    expect(second).toContain('## Notes from earlier runs\n\nKept by hand.\n');
    expect(second).toContain('| local-oss | PUT | 2.0 | n |');
    expect(second).not.toContain('| 1.0 |');
    expect(second.split(BEGIN)).toHaveLength(2);
    expect(second.split(END)).toHaveLength(2);
  });

  it('with some suites run, keeps the rows of the others and says when each was measured', () => {
    const all = mergeReport(
      '# Benchmark report\n',
      new Map([
        ['local-oss', [row('local-oss', 'PUT', '1.0')]],
        ['many-files', [row('many-files', 'first request', '4606 ms'), row('many-files', 'ratio', '0.60')]],
      ]),
      'T1',
      ORDER,
    );
    const some = mergeReport(all, new Map([['many-files', [row('many-files', 'first request', '300 ms')]]]), 'T2', ORDER);
    const generated = parseGenerated(some);
    expect(generated.measured.get('local-oss')).toBe('T1');
    expect(generated.measured.get('many-files')).toBe('T2');
    expect(generated.lines.get('local-oss')).toEqual(['| local-oss | PUT | 1.0 | n |']);
    expect(generated.lines.get('many-files')).toEqual(['| many-files | first request | 300 ms | n |']);
    // Suites in their usual order, whichever ran last.
    expect(some.indexOf('| local-oss |')).toBeLessThan(some.indexOf('| many-files |'));
  });

  it('a report without markers gets them after its title; what followed stays below', () => {
    const merged = mergeReport('# Benchmark report\n\nOld text.\n', new Map([['local-oss', [row('local-oss', 'PUT', '1.0')]]]), 'T1', ORDER);
    expect(merged.startsWith(`# Benchmark report\n\n${BEGIN}`)).toBe(true);
    expect(merged.endsWith('Old text.\n')).toBe(true);
  });
});
