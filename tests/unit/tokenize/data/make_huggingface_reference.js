// Makes the Hugging Face tokenizer files the tests read, and the known answers they check, with
// Hugging Face's own library (the npm package `tokenizers`, a Node binding of the Rust crate):
//   node make_huggingface_reference.js TRAIN.txt HELDOUT.txt OUTDIR
// (make_huggingface_reference.sh gets the package and the text and runs this.)
// Four tokenizers are trained on TRAIN.txt: WordPiece (BERT's pipeline), BPE (NFKC + lowercase,
// whitespace and digit pre-tokenizers, an unknown token), byte-level BPE (GPT-2's pipeline) and
// Unigram (NFKC, Metaspace, byte fallback, Llama's decoder chain). The package's trainers cannot be
// configured from Node (30,000-token defaults), so each vocabulary is cut to its first entries (BPE:
// the first merges; Unigram: the best pieces and every single character) and the file is loaded
// and saved again by the package. Then every line of HELDOUT.txt is encoded by the package: ids,
// code-point offsets (flattened) and the decoded text of its first 200
// characters go to OUTDIR/hf-reference.jsonl, one line of text with every tokenizer's answer.
const tk = require('tokenizers');
const fs = require('fs');
const path = require('path');

const [train, heldout, outdir] = process.argv.slice(2);
const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'hfref-'));
const tmpFile = (name) => path.join(tmp, name);

function cutBpe(json, keepMerges) {
  const m = json.model;
  const alphabet = Object.keys(m.vocab).length - m.merges.length;  // the trainer adds one token per merge
  const limit = alphabet + keepMerges;
  m.merges = m.merges.slice(0, keepMerges);
  m.vocab = Object.fromEntries(Object.entries(m.vocab).filter(([, id]) => id < limit));
}

function saveThroughPackage(json, name) {
  fs.writeFileSync(tmpFile(name), JSON.stringify(json));
  const tok = tk.Tokenizer.fromFile(tmpFile(name));
  tok.save(path.join(outdir, name), false);
  return tk.Tokenizer.fromFile(path.join(outdir, name));
}

(async () => {
  const made = {};

  // WordPiece, as BERT.
  {
    const t = new tk.Tokenizer(tk.WordPiece.empty());
    t.setNormalizer(tk.bertNormalizer({ lowercase: true }));
    t.setPreTokenizer(tk.bertPreTokenizer());
    t.train([train]);
    const full = t.getVocab(false);
    const kept = Object.fromEntries(Object.entries(full).filter(([, id]) => id < 3000));
    let n = 3000;
    for (const s of ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]']) kept[s] = n++;
    t.setModel(tk.WordPiece.init(kept, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }));
    t.addSpecialTokens(['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]']);
    t.setPostProcessor(tk.templateProcessing('[CLS] $A [SEP]', '[CLS] $A [SEP] $B:1 [SEP]:1',
      [['[CLS]', kept['[CLS]']], ['[SEP]', kept['[SEP]']]]));
    t.setDecoder(tk.wordPieceDecoder('##', true));
    t.save(tmpFile('wp.json'), false);
    made['hf-wordpiece.json'] = saveThroughPackage(JSON.parse(fs.readFileSync(tmpFile('wp.json'), 'utf8')), 'hf-wordpiece.json');
  }

  // BPE with an unknown token: NFKC, lowercase, words and single digits.
  {
    const t = new tk.Tokenizer(tk.BPE.empty());
    t.setNormalizer(tk.sequenceNormalizer([tk.nfkcNormalizer(), tk.lowercase()]));
    t.setPreTokenizer(tk.sequencePreTokenizer([tk.whitespacePreTokenizer(), tk.digitsPreTokenizer(true)]));
    t.train([train]);
    t.save(tmpFile('bpe.json'), false);
    const j = JSON.parse(fs.readFileSync(tmpFile('bpe.json'), 'utf8'));
    cutBpe(j, 2000);
    j.model.vocab['<unk>'] = Object.keys(j.model.vocab).length;
    j.model.unk_token = '<unk>';
    j.model.fuse_unk = true;
    made['hf-bpe.json'] = saveThroughPackage(j, 'hf-bpe.json');
  }

  // Byte-level BPE, as GPT-2, with its end-of-text token.
  {
    const t = new tk.Tokenizer(tk.BPE.empty());
    t.setPreTokenizer(tk.byteLevelPreTokenizer(true, true));
    t.setPostProcessor(tk.byteLevelProcessing(true));
    t.train([train]);
    t.save(tmpFile('bbpe.json'), false);
    const j = JSON.parse(fs.readFileSync(tmpFile('bbpe.json'), 'utf8'));
    cutBpe(j, 2000);
    const eot = Object.keys(j.model.vocab).length;
    j.model.vocab['<|endoftext|>'] = eot;
    j.added_tokens = [{ id: eot, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false,
                        normalized: false, special: true }];
    j.decoder = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    made['hf-bytelevel-bpe.json'] = saveThroughPackage(j, 'hf-bytelevel-bpe.json');
  }

  // Unigram with byte fallback: NFKC, Metaspace, Llama's decoder chain.
  {
    const t = new tk.Tokenizer(tk.Unigram.empty());
    t.setNormalizer(tk.nfkcNormalizer());
    t.setPreTokenizer(tk.metaspacePreTokenizer('▁', 'always', true));
    t.train([train]);
    t.save(tmpFile('uni.json'), false);
    const j = JSON.parse(fs.readFileSync(tmpFile('uni.json'), 'utf8'));
    const vocab = j.model.vocab;
    const single = vocab.filter(([p]) => [...p].length === 1);
    const multi = vocab.filter(([p]) => [...p].length > 1).slice(0, 3000);
    const kept = [...multi, ...single].sort((a, b) => b[1] - a[1]);
    const bytes = [];
    for (let b = 0; b < 256; ++b) bytes.push([`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0.0]);
    j.model.vocab = [['<unk>', 0.0], ['<s>', 0.0], ['</s>', 0.0], ...bytes, ...kept];
    j.model.unk_id = 0;
    j.model.byte_fallback = true;
    j.added_tokens = [
      { id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }];
    j.decoder = { type: 'Sequence', decoders: [
      { type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 }] };
    made['hf-unigram.json'] = saveThroughPackage(j, 'hf-unigram.json');
  }

  const lines = fs.readFileSync(heldout, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out = [];
  for (const line of lines) {
    const text = [...line].slice(0, 200).join('');  // long paragraphs add size, not cases
    const row = { text };
    for (const [name, tok] of Object.entries(made)) {
      const e = await tok.encode(text);
      const ids = e.getIds();
      row[name] = { ids, offsets: e.getOffsets().flat(), decoded: await tok.decode(ids, true) };
    }
    out.push(JSON.stringify(row));
  }
  fs.writeFileSync(path.join(outdir, 'hf-reference.jsonl'), out.join('\n') + '\n');
  fs.rmSync(tmp, { recursive: true });
})();
