package staffing_test

import (
	"fmt"
	"time"

	"github.com/ikomek/ikomek/internal/staffing"
)

// ExampleRequired is published check 1: 100 calls in 30 minutes at 180 s,
// 80 % within 20 s, occupancy at most 85 %, shrinkage 30 %; then the same
// interval with callers who hang up after 5 minutes on average (Erlang A)
// and at most 3 % abandonment.
func ExampleRequired() {
	tr := staffing.Traffic{Calls: 100, Interval: 30 * time.Minute, AHT: 180 * time.Second}
	tg := staffing.Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, MaxOccupancy: 0.85}
	for _, patience := range []time.Duration{0, 5 * time.Minute} {
		tr.Patience = patience
		if patience > 0 {
			tg.MaxAbandon = 0.03
		}
		m, err := staffing.Required(tr, tg)
		if err != nil {
			panic(err)
		}
		sched, _ := staffing.Scheduled(m.Agents, 0.3)
		fmt.Printf("%s: A=%.0f agents=%d scheduled=%d SL=%.5f P(wait)=%.5f occupancy=%.5f ASA=%.3fs abandon=%.4f\n",
			m.Model, m.OfferedLoad, m.Agents, sched, m.ServiceLevel, m.WaitProbability, m.Occupancy, m.ASA.Seconds(), m.AbandonProbability)
	}
	// Output:
	// erlang-c: A=10 agents=14 scheduled=20 SL=0.88835 P(wait)=0.17413 occupancy=0.71429 ASA=7.836s abandon=0.0000
	// erlang-a: A=10 agents=13 scheduled=19 SL=0.85818 P(wait)=0.22580 occupancy=0.75003 ASA=6.914s abandon=0.0250
}
