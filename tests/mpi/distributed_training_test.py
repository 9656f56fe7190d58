"""Word vectors trained by several processes under mpirun (ctest runs this when embedkit is built
with MPI): the same vocabulary as one process, quality within noise of one process, a job that
ends cleanly, naming the process and the cause, when one process fails or dies, and a job that
resumes its checkpoint.

    distributed_training_test.py EMBEDKIT_CLI SOURCE_DIR      (PYTHONPATH: the built package)
"""
import os
import signal
import subprocess
import sys
import tempfile

import embedkit

cli, source = sys.argv[1], sys.argv[2]
corpus = os.path.join(source, "data", "enwiki-5M.txt")
pairs = os.path.join(source, "data", "wordsim353.tsv")
# Root in a container, and more processes than cores: both need saying to Open MPI.
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
flags = ["--dim", "50", "--epochs", "5", "--maxn", "0", "-q"]
work = tempfile.mkdtemp(prefix="embedkit-mpi-")
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def train(processes, name, threads, extra=(), input_path=corpus, timeout=300):
    out = os.path.join(work, name)
    launcher = ["mpirun", "-np", str(processes)] if processes > 0 else []
    command = launcher + [cli, "train", "-i", input_path, "-o", out, "--threads", str(threads), *flags, *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    return out, done


def spearman(path):
    return embedkit.KeyedVectors.load(path).evaluate_word_pairs(pairs)[1][0]


alone, done = train(0, "alone.ekv", 1)  # one thread per process everywhere: every run is reproducible
check(done.returncode == 0, f"one process trains ({done.stderr.strip()[-300:]})")
reference = embedkit.KeyedVectors.load(alone)
words = list(reference.index_to_key)
counts = [reference.get_vecattr(w, "count") for w in words]
quality_alone = spearman(alone)

for processes in (2, 4):
    path, done = train(processes, f"job{processes}.ekv", 1)
    check(done.returncode == 0, f"{processes} processes train ({done.stderr.strip()[-300:]})")
    if done.returncode != 0:
        continue
    kv = embedkit.KeyedVectors.load(path)
    check(list(kv.index_to_key) == words, f"{processes} processes: the same words in the same order as one")
    check([kv.get_vecattr(w, "count") for w in words] == counts, f"{processes} processes: the same counts as one")
    meta = subprocess.run([cli, "info", path, "--json"], capture_output=True, text=True).stdout
    check(f'"training.processes": "{processes}"' in meta, f"{processes} processes: the model records them")
    # Words only the last process's share holds: their input rows move only there, so they are
    # trained in process 0's model (which it wrote) only if the exchanges carry updates across.
    if processes == 2:
        with open(corpus, "rb") as f:
            data = f.read()
        cut = len(data) // 2
        first, second = set(data[:cut].split()), set(data[cut:].split())
        only_last = [w for w in words if w.encode() in second and w.encode() not in first][:200]
        def mean_norm(model):
            return sum(float((model[w] ** 2).sum()) ** 0.5 for w in only_last) / len(only_last)
        moved, reference_norm = mean_norm(kv), mean_norm(reference)
        check(len(only_last) >= 50 and moved > 0.5 * reference_norm,
              f"2 processes: {len(only_last)} words only in process 1's share are trained in process 0's model "
              f"(mean norm {moved:.3f}; one process {reference_norm:.3f}; untrained about 0.08)")
    quality = spearman(path)
    # One process's seeds differ by up to ~0.04 on this small corpus (measured): twice that.
    check(quality >= quality_alone - 0.08,
          f"{processes} processes: WS-353 Spearman {quality:.3f} within noise of one process's {quality_alone:.3f}")

# A share that cannot be read: invalid UTF-8 in the second half fails the job, naming the process.
bad = os.path.join(work, "bad.txt")
with open(corpus, "rb") as f:
    text = f.read(400000)
with open(bad, "wb") as f:
    f.write(text[:300000] + b" \xff\xfe " + text[300000:])
_, done = train(2, "bad.ekv", 1, input_path=bad, timeout=120)
check(done.returncode != 0 and "rank 1:" in done.stderr and "bad.txt" in done.stderr,
      f"a process that cannot read its share ends the job, naming it ({done.stderr.strip()[-300:]})")
check(not os.path.exists(os.path.join(work, "bad.ekv")), "and nothing is written")

# Processes that see different files (here: process 1 a shorter copy) are told so, and stop.
short = os.path.join(work, "short.txt")
with open(short, "wb") as f:
    f.write(text[:200000])
script = (f'rank=${{OMPI_COMM_WORLD_RANK:-${{PMI_RANK:-$PMIX_RANK}}}}; input={bad}; '
          f'if [ "$rank" = 1 ]; then input={short}; fi; exec {cli} train -i "$input" -o {work}/mixed.ekv -q')
done = subprocess.run(["mpirun", "-np", "2", "bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
check(done.returncode != 0 and "every process must read the same file" in done.stderr,
      f"processes that see different files stop, saying so ({done.stderr.strip()[-200:]})")

# A process killed mid-run ends the job; the checkpoint written before it is intact, and the job
# resumes from it, each process with its own share and generators, to the model of a run never
# stopped (bit for bit: one thread per process, and the exchanges run as they would have).
checkpoint = os.path.join(work, "killed.ekv.checkpoint")
# Process 1 dies (SIGKILL) as soon as process 0 has written its first checkpoint.
script = (f'rank=${{OMPI_COMM_WORLD_RANK:-${{PMI_RANK:-$PMIX_RANK}}}}; if [ "$rank" = 1 ]; then '
          f'(while [ ! -s {checkpoint} ]; do sleep 0.05; done; kill -9 $$) & fi; exec {cli} train -i {corpus} '
          f'-o {work}/killed.ekv --threads 1 {" ".join(flags)} --checkpoint-every 1')
done = subprocess.run(["mpirun", "-np", "2", "bash", "-c", script], env=env, capture_output=True, text=True,
                      timeout=120)
check(done.returncode != 0, "a killed process ends the job with an error")
check(not os.path.exists(os.path.join(work, "killed.ekv")), "and writes no model")
if os.path.exists(checkpoint):
    check(len(embedkit.KeyedVectors.load(checkpoint).index_to_key) == len(words), "its last checkpoint loads whole")
    meta = subprocess.run([cli, "info", checkpoint, "--json"], capture_output=True, text=True).stdout
    check('"training.epochs_done": "1"' in meta, "it is the checkpoint of epoch 1")
    _, done = train(0, "alone-resumed.ekv", 1, extra=["--resume", checkpoint], timeout=60)
    check(done.returncode != 0 and "mpirun -np 2" in done.stderr,
          f"one process refuses to resume a job of 2 ({done.stderr.strip()[-200:]})")
    _, done = train(2, "other-sync.ekv", 1, extra=["--resume", checkpoint, "--sync-staleness", "60"], timeout=60)
    check(done.returncode != 0 and "--sync-staleness 50, not 60" in done.stderr,
          f"a job refuses to resume with other exchanges ({done.stderr.strip()[-200:]})")
    resumed, done = train(2, "resumed.ekv", 1, extra=["--resume", checkpoint])
    check(done.returncode == 0, f"2 processes resume the job ({done.stderr.strip()[-300:]})")
    if done.returncode == 0 and os.path.exists(os.path.join(work, "job2.ekv")):
        same = (embedkit.KeyedVectors.load(resumed).vectors == embedkit.KeyedVectors.load(os.path.join(work, "job2.ekv")).vectors).all()
        check(bool(same), "the resumed job's vectors equal those of the job that was never stopped")
else:
    check(False, "a checkpoint was written before the kill")

sys.exit(1 if failures else 0)
