package shoptest

import "github.com/gopersonyze/personyze/core/personyzetest"

// fromRecorded maps the simulator's record of one call onto call.
func fromRecorded(r personyzetest.Recorded) call {
	_ = r
	return call{} // TODO: fill in when personyzetest lands
}
