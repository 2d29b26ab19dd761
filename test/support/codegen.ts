// Leaving a compiled-tier suite: the tier off, the TS backend back, the SIMD level detected, the
// cache directory's variables unset, the tier's process state reset and its directory removed.
import { rmSync } from 'node:fs';
import * as w from '../../src/index.js';
import { loaded } from '../../src/backends/native/loader.js';
import { _resetCodegen } from '../../src/backends/native/codegen/tier.js';

export function leaveCodegen(root: string): void {
  w.setBackend('native', { codegen: 'off' });
  w.setBackend('ts');
  loaded.addon?.setSimd(loaded.addon.simdInfo().detected);
  delete process.env.WENGERT_CACHE_DIR;
  delete process.env.WENGERT_CODEGEN_KEEP;
  _resetCodegen();
  rmSync(root, { recursive: true, force: true });
}
