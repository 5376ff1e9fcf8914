// junit.xml as vitest writes it gives a skipped test `<skipped/>` with no message: the reason a
// module was skipped or is not applicable goes into the element here, after the run.
import { readFile, writeFile } from 'node:fs/promises';
import type { RunSummary } from '../core/types.ts';

const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `<skipped message="not applicable: …"/>` (or the skip reason) for each such module. */
export function annotateJunitSkips(xml: string, summary: Pick<RunSummary, 'plan' | 'modules'>): string {
  const reasons = new Map<string, string>();
  for (const m of summary.modules) {
    if (m.status === 'not_applicable') reasons.set(m.id, `not applicable: ${m.reason ?? ''}`.trim());
    else if (m.status === 'skipped') reasons.set(m.id, m.reason ?? 'skipped');
  }
  return xml.replace(/(<testcase\b[^>]*\bname="([^"]*)"[^>]*>\s*)<skipped\/>/g, (all, head: string, name: string) => {
    const id = name.split(' &gt; ').pop() ?? name;
    const reason = reasons.get(id);
    return reason === undefined ? all : `${head}<skipped message="${xmlAttr(reason)}"/>`;
  });
}

export async function annotateJunitFile(file: string, summary: Pick<RunSummary, 'plan' | 'modules'>): Promise<void> {
  let xml: string;
  try {
    xml = await readFile(file, 'utf8');
  } catch {
    return; // no junit.xml (nothing ran)
  }
  await writeFile(file, annotateJunitSkips(xml, summary));
}
