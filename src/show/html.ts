import type { Shown } from './programs.js';
export interface HtmlOptions { title?: string }
export function showHtml(_s: Shown, _o: HtmlOptions): string { return ''; }
