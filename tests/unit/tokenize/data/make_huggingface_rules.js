// Known answers for the rules behind tokenizer.json, from Hugging Face's library itself (the npm
// package `tokenizers`): variants of the trained test tokenizers (hf-*.json) with other
// normalizers, pre-tokenizers, added tokens, post-processors and decoders, each given as a JSON
// merge patch over its base file in hf-rules.json. For every variant and every line of the
// held-out text: ids, code-point offsets and decoded text, with and without special tokens, and
// as a pair with the next line (the next row's text; the last pairs with the first).
//   node make_huggingface_rules.js HELDOUT.txt DATADIR   (run by make_huggingface_reference.sh)
const tk = require('tokenizers');
const fs = require('fs');
const path = require('path');

const [heldout, dir] = process.argv.slice(2);
const rules = JSON.parse(fs.readFileSync(path.join(dir, 'hf-rules.json'), 'utf8'));

// RFC 7396 merge patch, as nlohmann::json::merge_patch applies it.
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  if (target === null || typeof target !== 'object' || Array.isArray(target)) target = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else target[k] = mergePatch(target[k], v);
  }
  return target;
}

(async () => {
  const lines = fs.readFileSync(heldout, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const texts = lines.map((l) => [...l].slice(0, 80).join(''));
  const out = [];
  for (const [name, rule] of Object.entries(rules)) {
    const base = JSON.parse(fs.readFileSync(path.join(dir, rule.base), 'utf8'));
    const tok = tk.Tokenizer.fromString(JSON.stringify(mergePatch(base, rule.patch)));
    for (let i = 0; i < texts.length; ++i) {
      const text = texts[i];
      const pair = texts[(i + 1) % texts.length];
      const e = await tok.encode(text);
      const plain = await tok.encode(text, null, { addSpecialTokens: false });
      const p = await tok.encode(text, pair);
      out.push(JSON.stringify({ rule: name, text,
        ids: e.getIds(), offsets: e.getOffsets().flat(), decoded: await tok.decode(e.getIds(), true),
        decoded_special: await tok.decode(e.getIds(), false),
        plain_ids: plain.getIds(),
        pair_ids: p.getIds(), pair_type_ids: p.getTypeIds() }));
    }
  }
  fs.writeFileSync(path.join(dir, 'hf-rules-reference.jsonl'), out.join('\n') + '\n');
})();
