// Quick picks kept open through the webview focus hand-back (src/extension/picks.ts), in the real workbench:
// a pick closed unanswered right after opening is shown again once; one closed later, or twice, stays closed.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { runQuickPick } from '../../src/extension/picks';
import { waitFor } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pick of two fruits, shown through runQuickPick; `hides` counts its closes as the extension hears them. */
function fruitPick() {
  const pick = vscode.window.createQuickPick();
  pick.items = [{ label: 'apple' }, { label: 'pear' }];
  const seen = { hides: 0 };
  pick.onDidHide(() => (seen.hides += 1));
  return { pick, seen, answer: runQuickPick(pick, (p) => p.selectedItems[0]?.label) };
}

describe('quick picks', () => {
  it('shows a pick again when it closes right after opening (focus taken away), and it can still be answered', async () => {
    const { pick, seen, answer } = fruitPick();
    pick.hide(); // what losing the focus to a webview does
    await waitFor('the close', () => seen.hides === 1);
    await sleep(100);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await answer, 'apple', 'shown again, and answered');
  });

  it('leaves a pick closed when it closes a while after opening (the user dismissed it), or a second time', async () => {
    const late = fruitPick();
    await sleep(1500);
    late.pick.hide();
    assert.equal(await late.answer, undefined);

    const twice = fruitPick();
    twice.pick.hide();
    await waitFor('the first close', () => twice.seen.hides === 1);
    await sleep(100);
    twice.pick.hide();
    assert.equal(await twice.answer, undefined);
  });
});
