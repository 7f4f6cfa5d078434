/** A node of a job graph: a job (or one matrix instance) and the nodes it needs. */
export type GraphNode = { id: string; needs: string[] };

export type PlacedNode = { id: string; column: number; row: number };

/**
 * Columns by depth (a job sits one column right of the deepest job it needs), rows in
 * input order within a column. Unknown needs are ignored; a cycle does not hang.
 */
export function layoutGraph(nodes: GraphNode[]): {
  placed: PlacedNode[];
  columns: number;
  rows: number;
} {
  const byId = new Map(nodes.map(n => [n.id, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const node = byId.get(id);
    let d = 0;
    for (const need of node?.needs ?? []) {
      if (byId.has(need)) d = Math.max(d, depthOf(need) + 1);
    }
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const rowsInColumn: number[] = [];
  const placed = nodes.map(node => {
    const column = depthOf(node.id);
    const row = rowsInColumn[column] ?? 0;
    rowsInColumn[column] = row + 1;
    return { id: node.id, column, row };
  });
  return {
    placed,
    columns: rowsInColumn.length,
    rows: Math.max(0, ...rowsInColumn.map(r => r ?? 0)),
  };
}
