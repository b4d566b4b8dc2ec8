"""The reference side of `cargo bench -p lodge-pdq`: Meta's C++ PDQ (PyPI `pdqhash`) and
FAISS's IndexBinaryMultiHash, timed on exactly the data the Rust side uses.

    python3 reference.py pdq IMAGE.png SECONDS
    python3 reference.py faiss DB.bin QUERIES.bin RADIUS

Prints one JSON object.
"""
import json
import sys
import time

import numpy as np


def pdq(path, seconds):
    import pdqhash
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("RGB"))
    bits, quality = pdqhash.compute(pixels)
    # bits come most significant first: bit 255 first, as the hex text reads.
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        pdqhash.compute(pixels)
        runs += 1
    elapsed = time.perf_counter() - start
    return {"hash": f"{value:064x}", "quality": int(quality), "per_second": runs / elapsed}


def faiss_search(db_path, queries_path, radius):
    import faiss

    faiss.omp_set_num_threads(1)
    db = np.fromfile(db_path, dtype=np.uint8).reshape(-1, 32)
    queries = np.fromfile(queries_path, dtype=np.uint8).reshape(-1, 32)
    start = time.perf_counter()
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = 1
    index.add(db)
    build = time.perf_counter() - start
    start = time.perf_counter()
    # FAISS returns distances strictly below the radius it is given.
    lims, distances, ids = index.range_search(queries, radius + 1)
    elapsed = time.perf_counter() - start
    return {
        "build_seconds": build,
        "ms_per_query": elapsed * 1000 / len(queries),
        "matches": int(lims[-1]),
    }


if __name__ == "__main__":
    if sys.argv[1] == "pdq":
        print(json.dumps(pdq(sys.argv[2], float(sys.argv[3]))))
    else:
        print(json.dumps(faiss_search(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
