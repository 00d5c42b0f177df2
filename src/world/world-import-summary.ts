export interface RowCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportSummary {
  accounts: RowCounts;
  users: RowCounts;
  profiles: { created: number; removed: number; unchanged: number };
  providers: RowCounts;
  /** Passwords hashed anew, those whose stored hash already matched and was kept, and the time it took. */
  passwords: { hashed: number; kept: number; elapsedMs: number };
  elapsedMs: number;
}

/** A few lines for a person: what an import did, and how long it took. */
export function formatSummary(s: ImportSummary): string {
  const rows = (c: RowCounts) => `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;
  return [
    `  accounts   ${rows(s.accounts)}`,
    `  users      ${rows(s.users)}  (passwords: ${s.passwords.hashed} hashed, ${s.passwords.kept} kept, in ${seconds(s.passwords.elapsedMs)})`,
    `  profiles   ${s.profiles.created} created, ${s.profiles.removed} removed, ${s.profiles.unchanged} unchanged`,
    `  providers  ${rows(s.providers)}`,
    `  in ${seconds(s.elapsedMs)}`,
  ].join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
