// Node 20 refuses the parser's `import schema from "./workflow-v1.0.min.json"` without an import attribute;
// this hook adds `type: json` to every .json import, which is what Node 22+ and bundlers accept by themselves.
export async function load(url, context, nextLoad) {
  if (url.endsWith(".json")) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
  }
  return nextLoad(url, context);
}
