;; The hot loops of GBDT training as WebAssembly (SIMD, shared memory), compiled by
;; `npm run build:wasm` into gbdt-kernels-wasm.ts. Written by hand in the text format because
;; the loops are small and their memory access pattern is the whole point:
;;
;; - A histogram over a scattered set of rows is bound by cache misses on each row's bins, not
;;   by arithmetic. So rows are handled in batches of 64: first each row's bins and gradient pair
;;   are copied into a small staging area (a short loop, so the CPU keeps many misses in flight),
;;   then the staged rows are summed from L1. Rows are summed in the order given, so the result
;;   is bit-for-bit the same as a plain loop over the rows.
;; - A gradient/hessian pair is one f64x2: one load, one add, one store per bin update.
;;
;; All addresses are byte offsets into the imported memory; JS lays the arrays out
;; (gbdt-memory.ts). Bins are u8, row-major, each row padded to a multiple of 16 bytes (so a row
;; of up to 64 features is one cache line), and are offset into the flat histogram (u16) while
;; they are staged.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Rows per staging batch (the staging area holds BATCH rows of bins, then BATCH f64x2 pairs).
  (global $BATCH i32 (i32.const 64))

  ;; Copies rows[0, m) (u32 row ids at $rows, m ≤ BATCH) to the staging area: their bins widened
  ;; to u16 and offset into the flat histogram (row r's u8 bins are at rm + r·S8, S8 = p rounded
  ;; up to 16; the per-feature offsets are S8 u16 at $offs) to stage + 2·S8·k, their gradient
  ;; pair to ghs + 16k.
  (func $stage (param $rows i32) (param $m i32) (param $rm i32) (param $S8 i32) (param $offs i32)
      (param $gh i32) (param $stage i32) (param $ghs i32)
    (local $end i32) (local $r i32) (local $src i32) (local $j i32) (local $v v128)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $m) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $r (i32.load (local.get $rows)))
        (local.set $src (i32.add (local.get $rm) (i32.mul (local.get $r) (local.get $S8))))
        (local.set $j (i32.const 0))
        (loop $copy
          (local.set $v (v128.load (i32.add (local.get $src) (local.get $j))))
          (v128.store (i32.add (local.get $stage) (i32.shl (local.get $j) (i32.const 1)))
            (i16x8.add (i16x8.extend_low_i8x16_u (local.get $v))
              (v128.load (i32.add (local.get $offs) (i32.shl (local.get $j) (i32.const 1))))))
          (v128.store offset=16 (i32.add (local.get $stage) (i32.shl (local.get $j) (i32.const 1)))
            (i16x8.add (i16x8.extend_high_i8x16_u (local.get $v))
              (v128.load offset=16 (i32.add (local.get $offs) (i32.shl (local.get $j) (i32.const 1))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $copy (i32.lt_u (local.get $j) (local.get $S8))))
        (v128.store (local.get $ghs)
          (v128.load (i32.add (local.get $gh) (i32.shl (local.get $r) (i32.const 4)))))
        (local.set $stage (i32.add (local.get $stage) (i32.shl (local.get $S8) (i32.const 1))))
        (local.set $ghs (i32.add (local.get $ghs) (i32.const 16)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (br $row))))

  ;; hist[bin] += gh[row] for every bin of every row in rows[0, m), all p features.
  ;; stage must hold BATCH·2·S8 + BATCH·16 bytes (S = 2·S8 is a staged row's stride).
  (func (export "histAll") (param $hist i32) (param $rm i32) (param $offs i32) (param $rows i32)
      (param $m i32) (param $p i32) (param $gh i32) (param $stage i32)
    (local $rowBytes i32) (local $S i32) (local $ghs i32) (local $end i32) (local $n i32)
    (local $rb i32) (local $re i32) (local $re4 i32) (local $gp i32) (local $gend i32)
    (local $v v128) (local $a i32)
    (local.set $rowBytes (i32.shl (local.get $p) (i32.const 1)))
    (local.set $S (i32.shl (i32.and (i32.add (local.get $p) (i32.const 15)) (i32.const -16))
      (i32.const 1)))
    (local.set $ghs (i32.add (local.get $stage) (i32.mul (global.get $BATCH) (local.get $S))))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $m) (i32.const 2))))
    (block $done
      (loop $batch
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $n (i32.shr_u (i32.sub (local.get $end) (local.get $rows)) (i32.const 2)))
        (if (i32.gt_u (local.get $n) (global.get $BATCH)) (then (local.set $n (global.get $BATCH))))
        (call $stage (local.get $rows) (local.get $n) (local.get $rm)
          (i32.shr_u (local.get $S) (i32.const 1)) (local.get $offs) (local.get $gh)
          (local.get $stage) (local.get $ghs))
        (local.set $gp (local.get $ghs))
        (local.set $gend (i32.add (local.get $ghs) (i32.shl (local.get $n) (i32.const 4))))
        (local.set $rb (local.get $stage))
        (loop $row
          (local.set $v (v128.load (local.get $gp)))
          (local.set $re (i32.add (local.get $rb) (local.get $rowBytes)))
          ;; Four bins per step while at least four remain (rb + 8 ≤ re).
          (local.set $re4 (i32.sub (local.get $re) (i32.const 6)))
          (block $d4
            (loop $f4
              (br_if $d4 (i32.ge_u (local.get $rb) (local.get $re4)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u (local.get $rb)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u offset=2 (local.get $rb)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u offset=4 (local.get $rb)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u offset=6 (local.get $rb)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $rb (i32.add (local.get $rb) (i32.const 8)))
              (br $f4)))
          (block $d1
            (loop $f1
              (br_if $d1 (i32.ge_u (local.get $rb) (local.get $re)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u (local.get $rb)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $rb (i32.add (local.get $rb) (i32.const 2)))
              (br $f1)))
          ;; Next staged row: rb is at this row's start + rowBytes.
          (local.set $rb (i32.add (i32.sub (local.get $rb) (local.get $rowBytes)) (local.get $S)))
          (local.set $gp (i32.add (local.get $gp) (i32.const 16)))
          (br_if $row (i32.lt_u (local.get $gp) (local.get $gend))))
        (local.set $rows (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
        (br $batch))))

  ;; histAll over the features listed at $feats (nf u16 byte offsets into a row: 2f each).
  (func (export "histSome") (param $hist i32) (param $rm i32) (param $offs i32) (param $rows i32)
      (param $m i32) (param $p i32) (param $gh i32) (param $stage i32) (param $feats i32)
      (param $nf i32)
    (local $rowBytes i32) (local $S i32) (local $ghs i32) (local $end i32) (local $n i32)
    (local $rb i32) (local $fp i32) (local $fend i32) (local $gp i32) (local $gend i32)
    (local $v v128) (local $a i32)
    (local.set $rowBytes (i32.shl (local.get $p) (i32.const 1)))
    (local.set $S (i32.shl (i32.and (i32.add (local.get $p) (i32.const 15)) (i32.const -16))
      (i32.const 1)))
    (local.set $ghs (i32.add (local.get $stage) (i32.mul (global.get $BATCH) (local.get $S))))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $m) (i32.const 2))))
    (local.set $fend (i32.add (local.get $feats) (i32.shl (local.get $nf) (i32.const 1))))
    (block $done
      (loop $batch
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $n (i32.shr_u (i32.sub (local.get $end) (local.get $rows)) (i32.const 2)))
        (if (i32.gt_u (local.get $n) (global.get $BATCH)) (then (local.set $n (global.get $BATCH))))
        (call $stage (local.get $rows) (local.get $n) (local.get $rm)
          (i32.shr_u (local.get $S) (i32.const 1)) (local.get $offs) (local.get $gh)
          (local.get $stage) (local.get $ghs))
        (local.set $gp (local.get $ghs))
        (local.set $gend (i32.add (local.get $ghs) (i32.shl (local.get $n) (i32.const 4))))
        (local.set $rb (local.get $stage))
        (loop $row
          (local.set $v (v128.load (local.get $gp)))
          (local.set $fp (local.get $feats))
          (block $df
            (loop $f
              (br_if $df (i32.ge_u (local.get $fp) (local.get $fend)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl
                  (i32.load16_u (i32.add (local.get $rb) (i32.load16_u (local.get $fp))))
                  (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $fp (i32.add (local.get $fp) (i32.const 2)))
              (br $f)))
          (local.set $rb (i32.add (local.get $rb) (local.get $S)))
          (local.set $gp (i32.add (local.get $gp) (i32.const 16)))
          (br_if $row (i32.lt_u (local.get $gp) (local.get $gend))))
        (local.set $rows (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
        (br $batch))))

  ;; Sparse rows (gbdt-sparse.ts): hist[ent[e]] += gh[row] for e in [begin[row], end[row]) of
  ;; every row in rows[0, m). begin and end are u32 entry indices per row (rowPtr / rowMid /
  ;; rowPtr + 4), ent holds u16 flat histogram bins. Rows and each row's entries are taken in
  ;; order, so every bin receives the same additions in the same order as the plain JS loop.
  ;; When $sum is not 0, the node's totals (ΣG, ΣH over the rows, in row order from zero, as the
  ;; JS loop `G += g; H += h` adds them) are stored there as one f64x2: the default bins need
  ;; them, and a second pass over scattered rows for them cost a quarter of the kernel's time.
  (func (export "histSparse") (param $hist i32) (param $begin i32) (param $end i32) (param $ent i32)
      (param $rows i32) (param $m i32) (param $gh i32) (param $sum i32)
    (local $rend i32) (local $r4 i32) (local $e i32) (local $ee i32) (local $ee4 i32)
    (local $v v128) (local $a i32) (local $tot v128)
    (local.set $rend (i32.add (local.get $rows) (i32.shl (local.get $m) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $rows) (local.get $rend)))
        (local.set $r4 (i32.shl (i32.load (local.get $rows)) (i32.const 2)))
        (local.set $e (i32.add (local.get $ent)
          (i32.shl (i32.load (i32.add (local.get $begin) (local.get $r4))) (i32.const 1))))
        (local.set $ee (i32.add (local.get $ent)
          (i32.shl (i32.load (i32.add (local.get $end) (local.get $r4))) (i32.const 1))))
        (local.set $v (v128.load (i32.add (local.get $gh) (i32.shl (local.get $r4) (i32.const 2)))))
        (local.set $tot (f64x2.add (local.get $tot) (local.get $v)))
        ;; Four entries per step while at least four remain (e + 8 ≤ ee).
        (local.set $ee4 (i32.sub (local.get $ee) (i32.const 6)))
        (block $d4
          (loop $f4
            (br_if $d4 (i32.ge_u (local.get $e) (local.get $ee4)))
            (local.set $a (i32.add (local.get $hist)
              (i32.shl (i32.load16_u (local.get $e)) (i32.const 4))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
            (local.set $a (i32.add (local.get $hist)
              (i32.shl (i32.load16_u offset=2 (local.get $e)) (i32.const 4))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
            (local.set $a (i32.add (local.get $hist)
              (i32.shl (i32.load16_u offset=4 (local.get $e)) (i32.const 4))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
            (local.set $a (i32.add (local.get $hist)
              (i32.shl (i32.load16_u offset=6 (local.get $e)) (i32.const 4))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
            (local.set $e (i32.add (local.get $e) (i32.const 8)))
            (br $f4)))
        (block $d1
          (loop $f1
            (br_if $d1 (i32.ge_u (local.get $e) (local.get $ee)))
            (local.set $a (i32.add (local.get $hist)
              (i32.shl (i32.load16_u (local.get $e)) (i32.const 4))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
            (local.set $e (i32.add (local.get $e) (i32.const 2)))
            (br $f1)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (br $row)))
    (if (local.get $sum) (then (v128.store (local.get $sum) (local.get $tot)))))

  ;; histSparse over rows in batches of BATCH, each batch in two steps: first every row's entry
  ;; bounds and gradient pair are read into the staging area at $stage (32 bytes a row) and the
  ;; first entry of each row is touched, all independent loads, so the cache misses of scattered
  ;; rows overlap; then the staged rows are summed exactly as histSparse does, in row order
  ;; (the same additions in the same order, so the same bits). $stage needs BATCH·32 + 16 bytes.
  (func (export "histSparseBatched") (param $hist i32) (param $begin i32) (param $end i32)
      (param $ent i32) (param $rows i32) (param $m i32) (param $gh i32) (param $sum i32)
      (param $stage i32)
    (local $rend i32) (local $r4 i32) (local $e i32) (local $ee i32) (local $ee4 i32)
    (local $v v128) (local $a i32) (local $tot v128) (local $n i32) (local $sp i32)
    (local $send i32) (local $touch i32)
    (local.set $rend (i32.add (local.get $rows) (i32.shl (local.get $m) (i32.const 2))))
    (block $done
      (loop $batch
        (br_if $done (i32.ge_u (local.get $rows) (local.get $rend)))
        (local.set $n (i32.shr_u (i32.sub (local.get $rend) (local.get $rows)) (i32.const 2)))
        (if (i32.gt_u (local.get $n) (global.get $BATCH)) (then (local.set $n (global.get $BATCH))))
        (local.set $send (i32.add (local.get $stage) (i32.shl (local.get $n) (i32.const 5))))
        (local.set $sp (local.get $stage))
        (loop $pre
          (local.set $r4 (i32.shl (i32.load (local.get $rows)) (i32.const 2)))
          (local.set $e (i32.add (local.get $ent)
            (i32.shl (i32.load (i32.add (local.get $begin) (local.get $r4))) (i32.const 1))))
          (local.set $ee (i32.add (local.get $ent)
            (i32.shl (i32.load (i32.add (local.get $end) (local.get $r4))) (i32.const 1))))
          (v128.store (local.get $sp)
            (v128.load (i32.add (local.get $gh) (i32.shl (local.get $r4) (i32.const 2)))))
          (i32.store offset=16 (local.get $sp) (local.get $e))
          (i32.store offset=20 (local.get $sp) (local.get $ee))
          (if (i32.lt_u (local.get $e) (local.get $ee))
            (then (local.set $touch (i32.add (local.get $touch) (i32.load16_u (local.get $e))))))
          (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
          (local.set $sp (i32.add (local.get $sp) (i32.const 32)))
          (br_if $pre (i32.lt_u (local.get $sp) (local.get $send))))
        (local.set $sp (local.get $stage))
        (loop $row
          (local.set $v (v128.load (local.get $sp)))
          (local.set $e (i32.load offset=16 (local.get $sp)))
          (local.set $ee (i32.load offset=20 (local.get $sp)))
          (local.set $tot (f64x2.add (local.get $tot) (local.get $v)))
          (local.set $ee4 (i32.sub (local.get $ee) (i32.const 6)))
          (block $d4
            (loop $f4
              (br_if $d4 (i32.ge_u (local.get $e) (local.get $ee4)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u (local.get $e)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u offset=2 (local.get $e)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u offset=4 (local.get $e)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u offset=6 (local.get $e)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $e (i32.add (local.get $e) (i32.const 8)))
              (br $f4)))
          (block $d1
            (loop $f1
              (br_if $d1 (i32.ge_u (local.get $e) (local.get $ee)))
              (local.set $a (i32.add (local.get $hist)
                (i32.shl (i32.load16_u (local.get $e)) (i32.const 4))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
              (local.set $e (i32.add (local.get $e) (i32.const 2)))
              (br $f1)))
          (local.set $sp (i32.add (local.get $sp) (i32.const 32)))
          (br_if $row (i32.lt_u (local.get $sp) (local.get $send))))
        (br $batch)))
    ;; The touched values are stored so the loads that bring rows into cache are not dropped.
    (i32.store (i32.add (local.get $stage) (i32.shl (global.get $BATCH) (i32.const 5)))
      (local.get $touch))
    (if (local.get $sum) (then (v128.store (local.get $sum) (local.get $tot)))))

  ;; Stable partition of the u32 row ids rows[0, m): a row goes left when table[col[row]] is 1
  ;; (col: one feature's u8 bins, column-major). Rights are collected at $scratch and copied
  ;; back after the lefts. Returns the number of lefts. Branch-free: a left/right branch per row
  ;; would mispredict half the time.
  (func (export "partition") (param $rows i32) (param $m i32) (param $col i32) (param $table i32)
      (param $scratch i32) (result i32)
    (local $k i32) (local $end i32) (local $l i32) (local $s i32) (local $r i32) (local $left i32)
    (local.set $k (local.get $rows))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $m) (i32.const 2))))
    (local.set $l (local.get $rows))
    (local.set $s (local.get $scratch))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $r (i32.load (local.get $k)))
        (local.set $left (i32.load8_u
          (i32.add (local.get $table) (i32.load8_u (i32.add (local.get $col) (local.get $r))))))
        (i32.store (local.get $l) (local.get $r))
        (i32.store (local.get $s) (local.get $r))
        (local.set $l (i32.add (local.get $l) (i32.shl (local.get $left) (i32.const 2))))
        (local.set $s (i32.add (local.get $s) (i32.shl (i32.sub (i32.const 1) (local.get $left)) (i32.const 2))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $row)))
    (memory.copy (local.get $l) (local.get $scratch) (i32.sub (local.get $s) (local.get $scratch)))
    (i32.shr_u (i32.sub (local.get $l) (local.get $rows)) (i32.const 2)))

  ;; dst[k] (op)= src_c[k] over nBytes (a multiple of 16) of f64 pairs.
  ;; sumParts: dst = src_0 + src_1 + … + src_{count−1} in that order (src_c = src + c·stride).
  (func (export "sumParts") (param $dst i32) (param $src i32) (param $stride i32) (param $count i32)
      (param $nBytes i32)
    (local $j i32) (local $c i32) (local $acc v128) (local $at i32)
    (local.set $j (i32.const 0))
    (block $done
      (loop $cell
        (br_if $done (i32.ge_u (local.get $j) (local.get $nBytes)))
        (local.set $at (i32.add (local.get $src) (local.get $j)))
        (local.set $acc (v128.load (local.get $at)))
        (local.set $c (i32.const 1))
        (block $dc
          (loop $part
            (br_if $dc (i32.ge_u (local.get $c) (local.get $count)))
            (local.set $at (i32.add (local.get $at) (local.get $stride)))
            (local.set $acc (f64x2.add (local.get $acc) (v128.load (local.get $at))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $part)))
        (v128.store (i32.add (local.get $dst) (local.get $j)) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cell))))

  ;; dst −= src over nBytes (a multiple of 16): the larger child's histogram from its parent's.
  (func (export "subtract") (param $dst i32) (param $src i32) (param $nBytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (local.get $nBytes)))
    (block $done
      (loop $cell
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst)
          (f64x2.sub (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $cell))))

  ;; Zeroes nBytes at dst: TypedArray#fill on shared memory stores element by element (about six
  ;; times slower than this), and every node's histogram starts from zero.
  (func (export "zero") (param $dst i32) (param $nBytes i32)
    (memory.fill (local.get $dst) (i32.const 0) (local.get $nBytes)))
)
