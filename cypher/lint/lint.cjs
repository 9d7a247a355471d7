// Reads {"schema": {...}, "queries": [{"id", "text", "parameters": [...]}]} on stdin and prints
// {"results": [{"id", "diagnostics": [{"severity", "message", "line", "character"}]}]}.
// The function and procedure registry is the one the package ships for Neo4j 5.
"use strict";
const ls = require("@neo4j-cypher/language-support");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const registry = ls.testData.mockSchema;
  const results = request.queries.map((query) => {
    const parameters = {};
    for (const name of query.parameters) parameters[name] = null;
    const schema = {
      labels: request.schema.labels,
      relationshipTypes: request.schema.relationshipTypes,
      propertyKeys: request.schema.propertyKeys,
      functions: registry.functions,
      procedures: registry.procedures,
      parameters,
      defaultLanguage: "CYPHER 5",
    };
    const { diagnostics } = ls.lintCypherQuery(query.text, schema);
    return {
      id: query.id,
      diagnostics: diagnostics.map((d) => ({
        severity: d.severity === 1 ? "error" : d.severity === 2 ? "warning" : "info",
        message: d.message,
        line: d.range.start.line,
        character: d.range.start.character,
      })),
    };
  });
  process.stdout.write(JSON.stringify({ results }));
});
