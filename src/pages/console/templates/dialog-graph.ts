/**
 * Go to dialog: an installed dialog task drawn as a graph, read-only. Nodes are laid out in the dialog's order, each
 * with its type (intent, entity, service, message, logic) and what it does (prompt, entity type or Twilio
 * operation); transitions are listed under their node and drawn as arrows. A broken dialog shows its problems with
 * their JSON pointers.
 */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api';
import { hrefOf } from '../shell/route';
import type { DialogView, NodeRow, TemplateProblem } from '../types';

interface Edge {
  from: string;
  to: string;
}

interface RawNode {
  id?: unknown;
  next?: unknown;
  transitions?: unknown;
}

/** The transitions: from the dialog file when the API gives it, else from the rows' "-> next" summaries. */
export function edgesOf(view: DialogView & { dialog?: { nodes?: RawNode[] } }): Edge[] {
  const edges: Edge[] = [];
  const raw = view.dialog?.nodes;
  if (Array.isArray(raw)) {
    for (const node of raw) {
      const from = typeof node.id === 'string' ? node.id : '';
      if (typeof node.next === 'string') edges.push({ from, to: node.next });
      if (Array.isArray(node.transitions)) {
        for (const t of node.transitions) {
          // Dialog files say `{ "if", "then" }`; `to`/`next` are read too.
          const record: Record<string, unknown> = typeof t === 'object' && t !== null ? { ...t } : {};
          const target = record['then'] ?? record['to'] ?? record['next'];
          const to = typeof target === 'string' ? target : undefined;
          if (to) edges.push({ from, to });
        }
      }
    }
    return edges;
  }
  for (const row of view.nodes) {
    const match = /-> (\S+)/.exec(row.summary);
    if (match?.[1]) edges.push({ from: row.id, to: match[1] });
  }
  return edges;
}

/** What the node does, without the trailing transitions. */
function describe(row: NodeRow): string {
  return row.summary.replace(/ -> \S+/, '').replace(/ \(\+\d+ transitions?\)$/, '');
}

const NODE_W = 260;
const NODE_H = 64;
const GAP = 36;

function Graph(props: { rows: NodeRow[]; edges: Edge[] }): ComponentChildren {
  const index = new Map(props.rows.map((r, i) => [r.id, i]));
  const height = props.rows.length * (NODE_H + GAP);
  const width = NODE_W + 120;
  const y = (i: number) => i * (NODE_H + GAP);
  return h('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `Graph of ${props.rows.length} nodes and ${props.edges.length} transitions` }, [
    h('defs', null, h('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' }, h('path', { d: 'M0,0 L10,5 L0,10 z', class: 'graph__arrowhead' }))),
    ...props.edges.map((e, k) => {
      const a = index.get(e.from);
      const b = index.get(e.to);
      if (a === undefined || b === undefined) return null;
      if (b === a + 1) return h('line', { key: `e${k}`, x1: NODE_W / 2, y1: y(a) + NODE_H, x2: NODE_W / 2, y2: y(b) - 2, class: 'graph__edge', 'marker-end': 'url(#arrow)' });
      const bend = NODE_W + 30 + (k % 4) * 20;
      return h('path', { key: `e${k}`, d: `M${NODE_W},${y(a) + NODE_H / 2} C${bend},${y(a) + NODE_H / 2} ${bend},${y(b) + NODE_H / 2} ${NODE_W + 2},${y(b) + NODE_H / 2}`, class: 'graph__edge graph__edge--jump', 'marker-end': 'url(#arrow)' });
    }),
    ...props.rows.map((r, i) => h('g', { key: r.id, class: `graph__node graph__node--${r.type}` }, [
      h('rect', { x: 1, y: y(i) + 1, width: NODE_W - 2, height: NODE_H - 2, rx: 10 }),
      h('text', { x: 14, y: y(i) + 24, class: 'graph__type' }, `${r.type} · ${r.id}`),
      h('text', { x: 14, y: y(i) + 46, class: 'graph__summary' }, describe(r).length > 34 ? `${describe(r).slice(0, 33)}…` : describe(r)),
    ])),
  ]);
}

export function DialogPage(props: { id: string }): ComponentChildren {
  const [view, setView] = useState<DialogView | undefined>(undefined);
  const [problems, setProblems] = useState<{ message: string; details: TemplateProblem[] } | undefined>(undefined);
  useEffect(() => {
    document.title = `Dialog ${props.id} · Admin console`;
    setView(undefined);
    setProblems(undefined);
    api.get<DialogView>(`/api/admin/templates/${encodeURIComponent(props.id)}`).then(setView, (err: unknown) => {
      setProblems({ message: messageOf(err), details: err instanceof ApiError ? err.details : [] });
    });
  }, [props.id]);

  if (problems) {
    return h('div', { class: 'stack' }, [
      h('h1', null, `Dialog ${props.id}`),
      h('div', { class: 'notice notice--error', role: 'alert' }, [
        h('p', null, problems.message),
        problems.details.length
          ? h('ul', { class: 'problems', 'aria-label': 'Problems' }, problems.details.map((p, i) => h('li', { key: i }, [h('code', null, p.path || '/'), ` ${p.message}`])))
          : null,
      ]),
      h('a', { href: hrefOf({ page: 'templates' }) }, 'Back to templates'),
    ]);
  }
  if (!view) return h('p', { role: 'status' }, 'Loading the dialog…');
  const edges = edgesOf(view);
  // A dialog file the bot cannot load: the server may list its problems beside the nodes.
  const broken = (view as DialogView & { problems?: TemplateProblem[] }).problems ?? [];
  return h('div', { class: 'stack' }, [
    h('h1', null, view.name),
    h('p', { class: 'muted' }, `${view.file} · ${view.state}${view.installedVersion ? ` · installed ${view.installedVersion}` : ''} · read-only`),
    broken.length
      ? h('div', { class: 'notice notice--error', role: 'alert' }, [
          h('p', null, 'This dialog file is broken; the bot keeps the last good version until these are fixed:'),
          h('ul', { class: 'problems', 'aria-label': 'Problems' }, broken.map((p, i) => h('li', { key: i }, [h('code', null, p.path || '/'), ` ${p.message}`]))),
        ])
      : null,
    h('div', { class: 'dialog-view' }, [
      h('div', { class: 'graph-wrap', tabIndex: 0, role: 'region', 'aria-label': 'Dialog graph' }, h(Graph, { rows: view.nodes, edges })),
      h('ol', { class: 'node-list', 'aria-label': 'Nodes' }, view.nodes.map((r) => {
        const out = edges.filter((e) => e.from === r.id);
        return h('li', { key: r.id, class: `node node--${r.type}` }, [
          h('p', { class: 'node__head' }, [h('span', { class: `badge badge--node-${r.type}` }, r.type), ' ', h('strong', null, r.id)]),
          h('p', { class: 'node__summary' }, describe(r)),
          out.length ? h('p', { class: 'node__next muted' }, `Then: ${out.map((e) => e.to).join(', ')}`) : null,
        ]);
      })),
    ]),
    h('a', { href: hrefOf({ page: 'templates' }) }, 'Back to templates'),
  ]);
}
