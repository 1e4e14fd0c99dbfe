;; The dense-slate row kernel of `evaluateSlates` ('average' ties, position metrics, linear gain) in WebAssembly
;; with 128-bit SIMD. Source of `slates_wasm.ts` (`npm run wasm:build`; a test checks the two agree).
;;
;; It computes exactly what `relevantItemRows` in evaluate.ts computes for a row, with the same float64 operations
;; in the same order (so the values are bitwise equal), and leaves every row it cannot finish to that function:
;;
;;   status 0  done: the value of every spec is in `out`
;;   status 1  no relevant item and `noRelOk` = 0 (the caller raises the no-relevant error); with `noRelOk` = 1
;;             the row is done, every value `noRel` (the policy's 0 or NaN)
;;   status 2  a relevant item tied with another item, or a grade above 1e290 (gain shift): needs the sorted row
;;   status 3  a NaN score or a grade that is not finite and >= 0 (the caller raises the error)
;;
;; Memory (byte offsets chosen by the caller; all float64 unless noted):
;;   sOff   scores [n, K]          lOff  labels [n, K]
;;   outOff values [nSpecs, n]     statOff  status [n] (i32)
;;   specOff per spec 16 bytes: code (i32: 0 ndcg, 1 recall, 2 precision, 3 hit, 4 mrr), top (i32: min(k, K)),
;;          cut k (f64; +inf for plain mrr)
;;   discOff discounts [K]: 1 / log2(p + 2)
;;   scr    scratch, zero on entry and left zero: grade per position [K], ideal grades [K], positions [K] (i32)
;; 1 <= K <= 64 (a row's relevant columns are one i64 bit mask) and n >= 1.
(module
  (memory (export "memory") 1)
  (func (export "rows")
    (param $n i32) (param $K i32) (param $sOff i32) (param $lOff i32)
    (param $outOff i32) (param $statOff i32) (param $specOff i32) (param $nSpecs i32)
    (param $discOff i32) (param $scr i32) (param $capDen i32) (param $noRelOk i32) (param $noRel f64)
    (local $q i32) (local $rowS i32) (local $rowL i32) (local $stat i32) (local $i i32)
    (local $s f64) (local $g f64) (local $t f64)
    (local $bad i32) (local $nRel i32) (local $r i32) (local $j i32) (local $pairs i32)
    (local $sv v128) (local $accA v128) (local $accE v128) (local $v v128)
    (local $above i32) (local $equal i32) (local $tied i32) (local $first i32) (local $u i32)
    (local $m i32) (local $spec i32) (local $code i32) (local $top i32) (local $kk f64)
    (local $p i32) (local $dcg f64) (local $idcg f64) (local $ratio f64) (local $val f64) (local $hits i32)
    (local $pg i32) (local $id i32) (local $pos i32)
    (local $mask i64) (local $badv v128) (local $gv v128) (local $rowBytes i32) (local $outRow i32)
    (local.set $pg (local.get $scr))
    (local.set $id (i32.add (local.get $pg) (i32.shl (local.get $K) (i32.const 3))))
    (local.set $pos (i32.add (local.get $id) (i32.shl (local.get $K) (i32.const 3))))
        (local.set $pairs (i32.and (local.get $K) (i32.const -2)))
    (local.set $rowBytes (i32.shl (local.get $K) (i32.const 3)))
    (local.set $rowS (local.get $sOff))
    (local.set $rowL (local.get $lOff))
    (local.set $stat (local.get $statOff))
    (local.set $outRow (local.get $outOff))
    (loop $row
      (block $next
        ;; validate the row and collect its relevant columns (grade > 0) as a bit mask, two columns at a time
        (local.set $badv (v128.const i64x2 0 0))
        (local.set $mask (i64.const 0))
        (local.set $j (i32.const 0))
        (if (local.get $pairs)
          (then
            (loop $cell
              (local.set $v (v128.load (i32.add (local.get $rowS) (i32.shl (local.get $j) (i32.const 3)))))
              (local.set $gv (v128.load (i32.add (local.get $rowL) (i32.shl (local.get $j) (i32.const 3)))))
              (local.set $badv
                (v128.or (local.get $badv)
                  (v128.or (f64x2.ne (local.get $v) (local.get $v))
                    (v128.or (v128.not (f64x2.ge (local.get $gv) (v128.const f64x2 0 0)))
                      (f64x2.eq (local.get $gv) (v128.const f64x2 inf inf))))))
              (local.set $mask
                (i64.or (local.get $mask)
                  (i64.shl (i64.extend_i32_u (i64x2.bitmask (f64x2.gt (local.get $gv) (v128.const f64x2 0 0))))
                    (i64.extend_i32_u (local.get $j)))))
              (br_if $cell (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 2))) (local.get $pairs))))))
        (local.set $bad (v128.any_true (local.get $badv)))
        (if (i32.lt_u (local.get $pairs) (local.get $K))
          (then
            (local.set $s (f64.load (i32.add (local.get $rowS) (i32.shl (local.get $pairs) (i32.const 3)))))
            (local.set $g (f64.load (i32.add (local.get $rowL) (i32.shl (local.get $pairs) (i32.const 3)))))
            (local.set $bad
              (i32.or (local.get $bad)
                (i32.or (f64.ne (local.get $s) (local.get $s))
                  (i32.or (i32.eqz (f64.ge (local.get $g) (f64.const 0))) (f64.eq (local.get $g) (f64.const inf))))))
            (local.set $mask
              (i64.or (local.get $mask)
                (i64.shl (i64.extend_i32_u (f64.gt (local.get $g) (f64.const 0))) (i64.extend_i32_u (local.get $pairs)))))))
        (local.set $nRel (i32.wrap_i64 (i64.popcnt (local.get $mask))))
        (if (local.get $bad)
          (then (i32.store (local.get $stat) (i32.const 3)) (br $next)))
        (if (i32.eqz (local.get $nRel))
          (then
            (i32.store (local.get $stat) (i32.xor (local.get $noRelOk) (i32.const 1)))
            (local.set $m (i32.const 0))
            (loop $fill
              (f64.store
                (i32.add (local.get $outRow) (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 3)))
                (local.get $noRel))
              (br_if $fill (i32.lt_u (local.tee $m (i32.add (local.get $m) (i32.const 1))) (local.get $nSpecs))))
            (br $next)))
        ;; each relevant item: its position (# higher scores) and whether another item has its score, counted two
        ;; columns at a time; its grade at that position; the ideal grades by insertion (descending)
        (local.set $tied (i32.const 0))
        (local.set $first (local.get $K))
        (local.set $r (i32.const 0))
        (loop $rel
          ;; the lowest relevant column left
          (local.set $i (i32.wrap_i64 (i64.ctz (local.get $mask))))
          (local.set $mask (i64.and (local.get $mask) (i64.sub (local.get $mask) (i64.const 1))))
          (local.set $s (f64.load (i32.add (local.get $rowS) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $g (f64.load (i32.add (local.get $rowL) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $sv (f64x2.splat (local.get $s)))
          (local.set $accA (v128.const i64x2 0 0))
          (local.set $accE (v128.const i64x2 0 0))
          (local.set $j (i32.const 0))
          (if (local.get $pairs)
            (then
              (loop $pl
                (local.set $v (v128.load (i32.add (local.get $rowS) (i32.shl (local.get $j) (i32.const 3)))))
                ;; a true lane is all ones (-1): subtracting it counts one
                (local.set $accA (i64x2.sub (local.get $accA) (f64x2.gt (local.get $v) (local.get $sv))))
                (local.set $accE (i64x2.sub (local.get $accE) (f64x2.eq (local.get $v) (local.get $sv))))
                (br_if $pl (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 2))) (local.get $pairs))))))
          (local.set $above
            (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $accA)) (i64x2.extract_lane 1 (local.get $accA)))))
          (local.set $equal
            (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $accE)) (i64x2.extract_lane 1 (local.get $accE)))))
          (if (i32.lt_u (local.get $pairs) (local.get $K))
            (then
              (local.set $t (f64.load (i32.add (local.get $rowS) (i32.shl (local.get $pairs) (i32.const 3)))))
              (local.set $above (i32.add (local.get $above) (f64.gt (local.get $t) (local.get $s))))
              (local.set $equal (i32.add (local.get $equal) (f64.eq (local.get $t) (local.get $s))))))
          (local.set $tied (i32.or (local.get $tied) (i32.sub (local.get $equal) (i32.const 1))))
          (local.set $first
            (select (local.get $above) (local.get $first) (i32.lt_u (local.get $above) (local.get $first))))
          (i32.store (i32.add (local.get $pos) (i32.shl (local.get $r) (i32.const 2))) (local.get $above))
          (f64.store (i32.add (local.get $pg) (i32.shl (local.get $above) (i32.const 3))) (local.get $g))
          (local.set $u (local.get $r))
          (block $placed
            (loop $shift
              (br_if $placed (i32.eqz (local.get $u)))
              (local.set $t (f64.load (i32.add (local.get $id) (i32.shl (i32.sub (local.get $u) (i32.const 1)) (i32.const 3)))))
              (br_if $placed (i32.eqz (f64.lt (local.get $t) (local.get $g))))
              (f64.store (i32.add (local.get $id) (i32.shl (local.get $u) (i32.const 3))) (local.get $t))
              (local.set $u (i32.sub (local.get $u) (i32.const 1)))
              (br $shift)))
          (f64.store (i32.add (local.get $id) (i32.shl (local.get $u) (i32.const 3))) (local.get $g))
          (br_if $rel (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRel))))
        (if (i32.or (local.get $tied) (f64.gt (f64.load (local.get $id)) (f64.const 1e290)))
          (then (i32.store (local.get $stat) (i32.const 2)))
          (else
            (i32.store (local.get $stat) (i32.const 0))
            (local.set $m (i32.const 0))
            (local.set $spec (local.get $specOff))
            (loop $metric
              (local.set $code (i32.load (local.get $spec)))
              (local.set $top (i32.load offset=4 (local.get $spec)))
              (local.set $kk (f64.load offset=8 (local.get $spec)))
              (if (i32.eqz (local.get $code))
                (then
                  ;; ndcg: position-ordered sums over the first `top` positions (zeros where no relevant item)
                  (local.set $dcg (f64.const 0))
                  (local.set $idcg (f64.const 0))
                  (local.set $p (i32.const 0))
                  (if (local.get $top)
                    (then
                      (loop $sum
                        (local.set $t (f64.load (i32.add (local.get $discOff) (i32.shl (local.get $p) (i32.const 3)))))
                        (local.set $dcg (f64.add (local.get $dcg)
                          (f64.mul (f64.load (i32.add (local.get $pg) (i32.shl (local.get $p) (i32.const 3)))) (local.get $t))))
                        (local.set $idcg (f64.add (local.get $idcg)
                          (f64.mul (f64.load (i32.add (local.get $id) (i32.shl (local.get $p) (i32.const 3)))) (local.get $t))))
                        (br_if $sum (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $top))))))
                  (local.set $ratio (f64.div (local.get $dcg) (local.get $idcg)))
                  (local.set $val
                    (select (f64.const 0)
                      (select (f64.const 1) (local.get $ratio) (f64.gt (local.get $ratio) (f64.const 1)))
                      (f64.eq (local.get $idcg) (f64.const 0)))))
                (else
                  (if (i32.eq (local.get $code) (i32.const 4))
                    (then
                      ;; mrr: 1 / (first position + 1) when within the cut
                      (local.set $t (f64.convert_i32_u (i32.add (local.get $first) (i32.const 1))))
                      (local.set $val
                        (select (f64.div (f64.const 1) (local.get $t)) (f64.const 0) (f64.le (local.get $t) (local.get $kk)))))
                    (else
                      ;; recall / precision / hit: relevant items at a position < k
                      (local.set $hits (i32.const 0))
                      (local.set $r (i32.const 0))
                      (loop $count
                        (local.set $hits (i32.add (local.get $hits)
                          (f64.lt
                            (f64.convert_i32_u (i32.load (i32.add (local.get $pos) (i32.shl (local.get $r) (i32.const 2)))))
                            (local.get $kk))))
                        (br_if $count (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRel))))
                      (local.set $t (f64.convert_i32_u (local.get $hits)))
                      (local.set $val
                        (if (result f64) (i32.eq (local.get $code) (i32.const 3))
                          (then (f64.convert_i32_u (i32.gt_u (local.get $hits) (i32.const 0))))
                          (else
                            (if (result f64) (i32.eq (local.get $code) (i32.const 2))
                              (then (f64.div (local.get $t) (local.get $kk)))
                              (else
                                (f64.div (local.get $t)
                                  (select
                                    (f64.min (f64.convert_i32_u (local.get $nRel)) (local.get $kk))
                                    (f64.convert_i32_u (local.get $nRel))
                                    (local.get $capDen))))))))))))
              (f64.store
                (i32.add (local.get $outRow) (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 3)))
                (local.get $val))
              (local.set $spec (i32.add (local.get $spec) (i32.const 16)))
              (br_if $metric (i32.lt_u (local.tee $m (i32.add (local.get $m) (i32.const 1))) (local.get $nSpecs))))))
        ;; leave the scratch zero: both grade arrays whole (fixed trip count), two cells at a time
        (local.set $j (i32.const 0))
        (if (local.get $pairs)
          (then
            (loop $clear
              (v128.store (i32.add (local.get $pg) (i32.shl (local.get $j) (i32.const 3))) (v128.const i64x2 0 0))
              (v128.store (i32.add (local.get $id) (i32.shl (local.get $j) (i32.const 3))) (v128.const i64x2 0 0))
              (br_if $clear (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 2))) (local.get $pairs))))))
        (if (i32.lt_u (local.get $pairs) (local.get $K))
          (then
            (f64.store (i32.add (local.get $pg) (i32.shl (local.get $pairs) (i32.const 3))) (f64.const 0))
            (f64.store (i32.add (local.get $id) (i32.shl (local.get $pairs) (i32.const 3))) (f64.const 0)))))
      (local.set $rowS (i32.add (local.get $rowS) (local.get $rowBytes)))
      (local.set $rowL (i32.add (local.get $rowL) (local.get $rowBytes)))
      (local.set $stat (i32.add (local.get $stat) (i32.const 4)))
      (local.set $outRow (i32.add (local.get $outRow) (i32.const 8)))
      (br_if $row (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $n))))))
