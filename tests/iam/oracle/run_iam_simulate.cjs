// Feeds batches of simulations to @cloud-copilot/iam-simulate (AGPL), run as a separate process only.
// Input on stdin: a JSON array of simulations. Output on stdout: a JSON array of
// {"result": "Allowed"|"ImplicitlyDenied"|"ExplicitlyDenied"|null, "error": string|null}.
const path = require("path");
const moduleDir = path.resolve(process.env.IAM_SIMULATE_DIR);
const { runSimulation } = require(require.resolve("@cloud-copilot/iam-simulate", { paths: [moduleDir] }));

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const cases = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const out = [];
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  for (const simulation of cases) {
    try {
      const result = await runSimulation(simulation, {});
      if (result.resultType === "error") {
        out.push({ result: null, error: JSON.stringify(result.errors) });
      } else {
        out.push({ result: result.overallResult, error: null });
      }
    } catch (e) {
      out.push({ result: null, error: String(e) });
    }
  }
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const seconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({ seconds, wall, results: out }));
}
main();
