package packager

import (
	"fmt"
	"testing"
)

func TestDispatchOrderLargestFirstWithinHalfTheBudget(t *testing.T) {
	var work []*zipEntry
	sizes := []int64{10, 3 << 20, 500, 40 << 20, 2 << 20, 7, 4 << 20}
	for i, size := range sizes {
		e := &zipEntry{src: &sourceEntry{zipPath: fmt.Sprintf("f%d", i)}}
		e.src.stat.Size = size
		work = append(work, e)
	}
	// Weight as in memory: the 40 MiB file alone fills half the budget.
	weight := func(size int64) int64 { return size + size/10 }
	got := dispatchOrder(work, weight)
	var names []string
	for _, e := range got {
		names = append(names, e.src.zipPath)
	}
	// f3 (weight 44 MiB) goes first, then f1 (3.3 MiB) still fits in half
	// the 96 MiB budget; f6 and f4 would not, so they keep their zip order.
	want := []string{"f3", "f1", "f0", "f2", "f4", "f5", "f6"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("order = %v, want %v", names, want)
	}

	got = dispatchOrder(work[:3], func(size int64) int64 { return 2*size + 4096 })
	if got[0].src.zipPath != "f1" || len(got) != 3 {
		t.Errorf("the one large file must go first, every entry once: %v", got)
	}
}
