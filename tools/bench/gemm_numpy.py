#!/usr/bin/python3
"""GEMM throughput of numpy/OpenBLAS at the shapes of dev.graft.bench.GemmBench.

Usage: gemm_numpy.py THREADS [--coretype auto|native|NAME] [--seconds S]

Times C = A·B (NN), C = A·Bᵀ (NT, B stored (N, K)) and C = Aᵀ·B (TN, A stored (K, M)) in float32
at 128 x 128 x 64 (one attention head), 256³, 512³, 1024³ and M x N x K = 2048 x 256 x 1024;
warm-up, then the median over several repetitions, printed as GFLOP/s (2·M·N·K per call) in the
same table format as GemmBench.

The thread count must be fixed before numpy loads OpenBLAS, so this script sets
OPENBLAS_NUM_THREADS and OMP_NUM_THREADS and re-executes itself when they differ. It also chooses
the OpenBLAS kernel: --coretype native runs whatever OpenBLAS detects; NAME forces that core
(OPENBLAS_CORETYPE); auto (the default) keeps the detected core unless OpenBLAS fell back to a
generic SSE kernel on a CPU that has AVX-512 (OpenBLAS 0.3.21 does not know Sapphire/Emerald
Rapids and picks "Prescott", about 5x slower), in which case it uses SkylakeX, OpenBLAS's AVX-512
kernel. The core in use is printed.

Run it with Debian's /usr/bin/python3 (numpy linked to libopenblas0-pthread).
"""
import os
import sys

SHAPES = [(128, 128, 64), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 256, 1024)]
FORMS = ["NN", "NT", "TN"]
GENERIC_CORES = {"prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
                 "northwood", "banias", "generic"}


def parse_args(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if argv else 2)
    threads = int(argv[0])
    if threads < 1:
        sys.exit("thread count must be at least 1, got %d" % threads)
    coretype = "auto"
    seconds = 0.6
    rest = argv[1:]
    while rest:
        if rest[0] == "--coretype" and len(rest) > 1:
            coretype = rest[1]
            rest = rest[2:]
        elif rest[0] == "--seconds" and len(rest) > 1:
            seconds = float(rest[1])
            rest = rest[2:]
        else:
            sys.exit("unknown argument %r: usage gemm_numpy.py THREADS [--coretype auto|native|NAME] [--seconds S]"
                     % rest[0])
    return threads, coretype, seconds


def reexec(env):
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def openblas_info():
    """(corename, config, threads) of the OpenBLAS that numpy loaded, or None."""
    import ctypes
    path = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "openblas" in line or "libblas" in line:
                path = line.split()[-1]
                if "openblas" in path:
                    break
    if path is None:
        return None
    lib = ctypes.CDLL(path)
    try:
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        return (lib.openblas_get_corename().decode(), lib.openblas_get_config().decode(),
                lib.openblas_get_num_threads(), path)
    except AttributeError:
        return ("unknown (not OpenBLAS)", path, -1, path)


def cpu_has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return " avx512f" in line
    except OSError:
        pass
    return False


def main():
    threads, coretype, seconds = parse_args(sys.argv[1:])
    env = dict(os.environ)
    want = {"OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"}
    stage = env.get("GEMM_NUMPY_STAGE", "")
    if not stage:
        # first start: fix the threads and the kernel choice, then run again before numpy loads
        env.update(want)
        env.pop("OPENBLAS_L2_SIZE", None)
        if coretype in ("auto", "native"):
            env.pop("OPENBLAS_CORETYPE", None)
        else:
            env["OPENBLAS_CORETYPE"] = coretype
        env["GEMM_NUMPY_STAGE"] = "probe" if coretype == "auto" else "run"
        reexec(env)
    import numpy as np
    info = openblas_info()
    if stage == "probe":
        env["GEMM_NUMPY_STAGE"] = "run"
        if info and info[0].lower() in GENERIC_CORES and cpu_has_avx512():
            env["OPENBLAS_CORETYPE"] = "SkylakeX"
            env["GEMM_NUMPY_NOTE"] = ("OpenBLAS detected core %s (a generic fallback) on an AVX-512 CPU: "
                                      "using OPENBLAS_CORETYPE=SkylakeX" % info[0])
        reexec(env)
    import time

    print("GEMM benchmark: numpy %s, %d thread(s)" % (np.__version__, threads))
    if info:
        print("  OpenBLAS core %s, %d thread(s); %s" % (info[0], info[2], info[1]))
        if info[2] != threads:
            print("  WARNING: OpenBLAS runs %d threads, not %d" % (info[2], threads))
    else:
        print("  WARNING: no OpenBLAS found in this process; numpy uses another BLAS")
    if env.get("GEMM_NUMPY_NOTE"):
        print("  " + env["GEMM_NUMPY_NOTE"])
    print("  median of repetitions after warm-up; GFLOP/s = 2·M·N·K / time")
    print("%-4s %6s %6s %6s %10s %10s %10s %6s" % ("form", "M", "N", "K", "median", "min", "max", "reps"))
    rng = np.random.default_rng(42)
    for (m, n, k) in SHAPES:
        for form in FORMS:
            if form == "NN":
                a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
                b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
                x, y = a, b
            elif form == "NT":
                a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
                b = rng.uniform(-1, 1, (n, k)).astype(np.float32)
                x, y = a, b.T
            else:
                a = rng.uniform(-1, 1, (k, m)).astype(np.float32)
                b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
                x, y = a.T, b
            c = np.empty((m, n), dtype=np.float32)
            warm_end = time.perf_counter() + 0.4
            reps = 0
            while reps < 3 or time.perf_counter() < warm_end:
                np.matmul(x, y, out=c)
                reps += 1
            times = []
            end = time.perf_counter() + seconds
            while len(times) < 7 or (time.perf_counter() < end and len(times) < 60):
                t0 = time.perf_counter()
                np.matmul(x, y, out=c)
                times.append(time.perf_counter() - t0)
            times.sort()
            mid = len(times) // 2
            median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
            flops = 2.0 * m * n * k
            print("%-4s %6d %6d %6d %10.1f %10.1f %10.1f %6d" % (form, m, n, k, flops / median / 1e9,
                                                                 flops / times[-1] / 1e9, flops / times[0] / 1e9,
                                                                 len(times)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
