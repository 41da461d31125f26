// Validates GitHub Actions workflow files with GitHub's own parser, as the Actions service does on push.
// Usage: node --no-warnings --loader ./loader.mjs validate.mjs FILE...
// Prints "FILE: ok" or one line per error ("FILE: (Line: 16, Col: 9): Unexpected value 'usez'"); exit 1 on any error.
import { readFile } from "node:fs/promises";
import { convertWorkflowTemplate, parseWorkflow, NoOperationTraceWriter } from "@actions/workflow-parser";

let failed = false;
for (const file of process.argv.slice(2)) {
  const content = await readFile(file, "utf8");
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  // Conversion finds what the schema alone cannot: job needs, duplicate step ids, cron syntax, and so on.
  if (parsed.value !== undefined) {
    await convertWorkflowTemplate(parsed.context, parsed.value);
  }
  const errors = parsed.context.errors.getErrors();
  if (parsed.value === undefined && errors.length === 0) {
    console.log(`${file}: empty workflow`);
    failed = true;
  }
  for (const error of errors) {
    console.log(error.message.startsWith(file) ? error.message : `${file}: ${error.message}`);
    failed = true;
  }
  if (errors.length === 0 && parsed.value !== undefined) {
    console.log(`${file}: ok`);
  }
}
process.exit(failed ? 1 : 0);
