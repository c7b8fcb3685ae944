package faulttest

import (
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
