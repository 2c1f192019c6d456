// The langswarmSessions.prices setting: prices per model (USD per million tokens) that win over the bundled table.
import * as vscode from 'vscode';
import { PriceOverrides, parsePriceOverrides } from '../core/cost';
import { showWarning } from './ui';

/** Problems already shown: a bad entry is said once per window, not at every hover. */
const warned = new Set<string>();

/** The setting's valid entries; each bad one is left out with a warning. */
export function readPriceOverrides(): PriceOverrides {
  const { overrides, warnings } = parsePriceOverrides(
    vscode.workspace.getConfiguration('langswarmSessions').get('prices'),
  );
  for (const w of warnings) {
    if (warned.has(w)) continue;
    warned.add(w);
    showWarning(`Setting "langswarmSessions.prices": ${w}`);
  }
  return overrides;
}
