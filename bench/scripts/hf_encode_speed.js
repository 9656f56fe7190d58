// Hugging Face's batch encoder (npm tokenizers) on the lines of a text file: seconds, tokens,
// MB/s as one JSON line; with IDS_OUT, also every line's ids (space-separated, one line each, after
// the clock stops) for the bench to compare with embedkit's. Threads: RAYON_NUM_THREADS. Run by
// run_tokenizer_bench.sh.
//   NODE_PATH=.../node_modules node hf_encode_speed.js tokenizer.json text.txt [IDS_OUT]
const tk = require('tokenizers'); const fs = require('fs');
(async () => {
  const [file, textFile, idsOut] = process.argv.slice(2);
  const t = tk.Tokenizer.fromFile(file);
  const lines = fs.readFileSync(textFile, 'utf8').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();  // the final newline
  const ids = [];
  let bytes = 0; for (const l of lines) bytes += Buffer.byteLength(l);
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (let i = 0; i < lines.length; i += 4096) {
    const batch = await t.encodeBatch(lines.slice(i, i + 4096));
    for (const e of batch) {
      const line = e.getIds();
      n += line.length;
      if (idsOut) ids.push(line.join(' '));
    }
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (idsOut) fs.writeFileSync(idsOut, ids.join('\n') + '\n');
  console.log(JSON.stringify({tool: 'huggingface', tokenizer: file, threads: Number(process.env.RAYON_NUM_THREADS || 0), seconds: s, mb_per_s: bytes / s / 1e6, tokens: n}));
})();
