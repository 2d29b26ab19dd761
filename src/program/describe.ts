// Program.show(): the planned programs of each recorded path, printed with the SSA printer.
import type { Graph } from '../core/graph.js';
import { printGraph } from '../core/print.js';

export const describeGraph = (g: Graph): string => printGraph(g);
