package config

import "testing"

func TestLocateField(t *testing.T) {
	data := []byte(`defaults:
  runtime: nodejs22.x
  timeout: 30
functions:
  api:
    memory: 10241
    environment:
      vars:
        AWS_REGION: us-east-1
    deploy: {alias: "bad alias"}
  worker:
    handler: main.handler
stages:
  prod:
    functions:
      api:
        memory: 20000
`)
	tests := []struct {
		name, stage, fn, field string
		want                   FieldPosition
		ok                     bool
	}{
		{"field in the function", "", "api", "memory", FieldPosition{6, 5, "functions.api.memory"}, true},
		{"stage overlay first", "prod", "api", "memory", FieldPosition{17, 9, "stages.prod.functions.api.memory"}, true},
		{"environment variable under vars", "", "api", "environment.AWS_REGION", FieldPosition{9, 9, "functions.api.environment.vars.AWS_REGION"}, true},
		{"flow mapping", "", "api", "deploy.alias", FieldPosition{10, 14, "functions.api.deploy.alias"}, true},
		{"from the defaults", "", "worker", "timeout", FieldPosition{3, 3, "defaults.timeout"}, true},
		{"not written: the function's key", "", "worker", "memory", FieldPosition{11, 3, "functions.worker"}, true},
		{"deepest key written", "", "api", "environment.TABLE", FieldPosition{7, 5, "functions.api.environment"}, true},
		{"no field", "", "api", "", FieldPosition{5, 3, "functions.api"}, true},
		{"unknown function", "", "nope", "memory", FieldPosition{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := LocateField(data, tt.stage, tt.fn, tt.field)
			if got != tt.want || ok != tt.ok {
				t.Errorf("LocateField(%q, %q, %q) = %+v, %v; want %+v, %v", tt.stage, tt.fn, tt.field, got, ok, tt.want, tt.ok)
			}
		})
	}
	if _, ok := LocateField([]byte("a: [\n"), "", "api", "memory"); ok {
		t.Error("broken YAML located")
	}
}
