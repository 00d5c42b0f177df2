import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Fails an import from one folder of src/ into another when that other folder already depends,
 * directly or through others, on the first: folders that need each other cannot be understood,
 * tested or moved apart. The layers rule (boundaries/dependencies) keeps imports from going up;
 * this one catches the cycles it allows sideways inside a layer.
 *
 * A rule sees one file at a time and a cycle spans several, so the graph of folders is built
 * once per run from every source file under `root`, read from disk.
 */
export const noFolderCycles = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow imports that close a cycle between the folders of src/' },
    schema: [
      { type: 'object', properties: { root: { type: 'string' } }, required: ['root'], additionalProperties: false },
    ],
    messages: { cycle: 'This import from {{from}}/ into {{to}}/ closes a cycle between folders: {{cycle}}.' },
  },
  create(context) {
    const root = context.options[0].root;
    const from = folderOf(root, context.filename);
    if (!from) return {};
    const graph = folderGraph(root);
    const check = (node) => {
      if (typeof node.source?.value !== 'string') return;
      const to = importedFolder(root, context.filename, node.source.value);
      if (!to || to === from) return;
      const back = pathBetween(graph, to, from);
      if (back)
        context.report({
          node: node.source,
          messageId: 'cycle',
          data: { from, to, cycle: [from, ...back].join(' → ') },
        });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

const graphs = new Map();

/** Folder → the set of other folders its files import from. */
function folderGraph(root) {
  if (graphs.has(root)) return graphs.get(root);
  const graph = new Map();
  for (const file of sourceFiles(root)) {
    const from = folderOf(root, file);
    if (!from) continue;
    const edges = graph.get(from) ?? new Set();
    graph.set(from, edges);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const to = importedFolder(root, file, fileName);
      if (to && to !== from) edges.add(to);
    }
  }
  graphs.set(root, graph);
  return graph;
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The first folder under root that holds `file`; none for a file directly in root or outside it. */
function folderOf(root, file) {
  const parts = relative(root, file).split(sep);
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}

/** The folder a relative import lands in; packages have none. */
function importedFolder(root, file, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  return folderOf(root, resolve(dirname(file), specifier));
}

/** The shortest chain of imports that leads from one folder to another (both included), if any. */
function pathBetween(graph, start, goal) {
  const cameFrom = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const folder = queue.shift();
    if (folder === goal) {
      const path = [];
      for (let at = goal; at !== undefined; at = cameFrom.get(at)) path.unshift(at);
      return path;
    }
    for (const next of graph.get(folder) ?? []) {
      if (!cameFrom.has(next)) {
        cameFrom.set(next, folder);
        queue.push(next);
      }
    }
  }
  return undefined;
}
