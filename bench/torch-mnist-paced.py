# Runs ../shared/anchors/torch_mnist_cnn.py unchanged, paced by bench/train-mnist.ts so the two sides alternate
# (A B A B A B): after every line it prints, it waits for a line on stdin before going on. The anchor prints right
# after a timed section ends and before the next one starts, so the wait is never inside a timing.
# After the script ends, each further line on stdin runs the anchor's own batch-1 inference loop once more (the same
# code, on the trained model) and prints its figure, for the later latency rounds; EOF on stdin ends it.
# Usage: python3 -u torch-mnist-paced.py ANCHOR DATA_DIR THREADS EPOCHS
import builtins, runpy, sys, time
import numpy, torch  # imported before "ready" so the import's CPU time does not overlap the other side's rounds


def paced_print(*args, **kwargs):
    builtins.print(*args, **{**kwargs, 'flush': True})
    if not sys.stdin.readline():
        sys.exit(0)


anchor = sys.argv[1]
sys.argv = sys.argv[1:]
paced_print('ready')
g = runpy.run_path(anchor, init_globals={'print': paced_print}, run_name='__main__')
m, Xte = g['m'], g['Xte']
while True:
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, 2000, 1): m(Xte[i:i+1])
    paced_print(f'inference batch=1: {(time.perf_counter()-t0)/2000*1e3:.3f} ms/sample')
