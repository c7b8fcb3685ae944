package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/templates"
)

// InitOptions are the inputs of `lamb init`.
type InitOptions struct {
	// Dir is the project folder to write into.
	Dir string
	// Runtime is a family (nodejs, python, go, java, provided) or a Lambda
	// runtime identifier; empty means detect it from the files in Dir.
	Runtime string
	// Name is the function key; empty means derive it from Dir's name.
	Name string
	// Force overwrites an existing lamb.yaml and .lambignore.
	Force bool
	// From names a deployed function to take the settings from.
	From string
	// Hook writes only the example lifecycle hook, at hookFile.
	Hook bool
}

// hookFile is where `lamb init --hook` writes the example lifecycle hook,
// under the project folder.
var hookFile = filepath.Join("hooks", "codedeploy-hook.mjs")

func newInitCmd(f *Factory) *cobra.Command {
	return newInitCmdWith(f, initRun)
}

// newInitCmdWith lets tests replace the run function to check flag parsing.
func newInitCmdWith(f *Factory, run func(context.Context, *Factory, *InitOptions) error) *cobra.Command {
	opts := &InitOptions{}
	c := &cobra.Command{
		Use:   "init",
		Short: "Write a commented lamb.yaml and .lambignore for this project",
		Long: `Write lamb.yaml and .lambignore into the current folder (or --dir) from
lamb's templates, with one function.

Without --runtime the project's runtime is detected from its files: go.mod
(go), pom.xml or build.gradle (java), pyproject.toml, requirements.txt or
Pipfile (python), package.json (nodejs), an executable bootstrap (provided).
The function key defaults to the folder's name.

With --from FUNCTION the settings come from a deployed function instead
(runtime, handler, memory, timeout, storage, role, description,
architecture, layers, VPC, tracing, dead-letter queue, KMS key, tags, and
the alias when it has exactly one), so that 'lamb plan' shows no
configuration change. The function key defaults to its name. Environment
values are secrets and are not written: each variable reads the variable of
the same name where lamb runs, as ${env:NAME}. The code is not fetched:
source is "." and, like handler, must point at the function's code.

An existing lamb.yaml is never overwritten without --force; an existing
.lambignore is kept. Nothing is written through a symbolic link: with
--force, a lamb.yaml or .lambignore that is a link is refused. The file
written always passes 'lamb validate'.

--hook writes only hooks/codedeploy-hook.mjs: an example lifecycle hook in
Node.js for deploy.hooks, which reports its status to CodeDeploy (engine:
codedeploy) and answers lamb (engine: direct) alike. Deploy it as a function
of its own and name that function under deploy.hooks. An existing file is
kept unless --force is given; a link is never written through.`,
		Example: `  lamb init
  lamb init --runtime python --name orders-worker
  lamb init --runtime nodejs24.x --dir services/api --force
  lamb init --from orders-api --region eu-west-1 --dir services/orders
  lamb init --hook`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return run(c.Context(), f, opts)
		},
	}
	c.Flags().StringVar(&opts.Runtime, "runtime", "", "runtime family ("+strings.Join(templates.FamilyNames(), ", ")+") or a Lambda runtime such as nodejs22.x; default: detected")
	c.Flags().StringVar(&opts.Name, "name", "", "function key in lamb.yaml (default: the folder's name)")
	c.Flags().StringVar(&opts.Dir, "dir", ".", "project folder to write into")
	c.Flags().BoolVar(&opts.Force, "force", false, "overwrite an existing lamb.yaml and .lambignore")
	c.Flags().StringVar(&opts.From, "from", "", "write the settings of this deployed function (its AWS name or ARN)")
	c.Flags().BoolVar(&opts.Hook, "hook", false, "write only the example CodeDeploy lifecycle hook, "+filepath.ToSlash(hookFile))
	c.MarkFlagsMutuallyExclusive("from", "runtime")
	c.MarkFlagsMutuallyExclusive("hook", "from")
	c.MarkFlagsMutuallyExclusive("hook", "runtime")
	c.MarkFlagsMutuallyExclusive("hook", "name")
	return c
}

// initDocument is the --output json document of `lamb init`.
type initDocument struct {
	Function     string   `json:"function"`
	Runtime      string   `json:"runtime"`
	Family       string   `json:"family"`
	DetectedFrom string   `json:"detectedFrom,omitempty"`
	Written      []string `json:"written"`
	Kept         []string `json:"kept"`
	// From is the deployed function of --from, and Environment the names
	// of its variables, which must be set where lamb runs.
	From        string   `json:"from,omitempty"`
	Environment []string `json:"environment,omitempty"`
}

func initRun(ctx context.Context, f *Factory, opts *InitOptions) error {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageError(fmt.Errorf("folder %s does not exist", dir), "create it first, or pass --dir with an existing folder")
	}
	if opts.Hook {
		return initHook(f, dir, opts.Force)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("resolve folder %s: %w", dir, err)
	}

	doc := initDocument{Written: []string{}, Kept: []string{}}
	var yaml []byte
	if opts.From != "" {
		yaml, err = initFromFunction(ctx, f, opts, &doc)
	} else {
		yaml, err = initFromTemplate(f, opts, dir, abs, &doc)
	}
	if err != nil {
		return err
	}

	lambYAML := filepath.Join(dir, "lamb.yaml")
	lambignore := filepath.Join(dir, ".lambignore")
	if opts.Force {
		// Both are checked before either is written, so a refusal leaves
		// the folder as it was.
		for _, p := range []string{lambYAML, lambignore} {
			if err := safefile.NoSymlink(p); err != nil {
				return usageError(err, symlinkHint)
			}
		}
	} else if _, err := os.Lstat(lambYAML); err == nil {
		return usageError(fmt.Errorf("%s already exists", lambYAML), "pass --force to overwrite it, or --dir to write elsewhere")
	}
	if err := writeInitFile(lambYAML, yaml, opts.Force); err != nil {
		return err
	}
	doc.Written = append(doc.Written, lambYAML)
	if err := writeInitFile(lambignore, templates.Lambignore(), opts.Force); errors.Is(err, fs.ErrExist) {
		doc.Kept = append(doc.Kept, lambignore)
	} else if err != nil {
		return err
	} else {
		doc.Written = append(doc.Written, lambignore)
	}

	// What init writes must pass lamb validate; the templates are tested,
	// so a failure here is a bug worth reporting plainly. The ${env:NAME}
	// of --from are to be set later; here they are taken as set.
	lookup := func(string) (string, bool) { return "", opts.From != "" }
	if _, err := config.Load(ctx, lambYAML, config.LoadOptions{LookupEnv: lookup}); err != nil {
		return fmt.Errorf("check the written %s: %w", lambYAML, err)
	}

	if f.Settings.JSON() {
		return ui.WriteJSON(f.IO.Out, doc)
	}
	for _, w := range doc.Written {
		f.IO.Progressf("wrote %s", w)
	}
	for _, k := range doc.Kept {
		f.IO.Progressf("kept the existing %s", k)
	}
	if opts.From != "" {
		if len(doc.Environment) > 0 {
			f.IO.Progressf("environment values were not copied: set %s where lamb runs (lamb.yaml reads them as ${env:NAME})", strings.Join(doc.Environment, ", "))
		}
		f.IO.Progressf("function %q from %s: point source and handler at its code, then run lamb plan", doc.Function, doc.From)
		return nil
	}
	f.IO.Progressf("function %q on %s: next, lamb validate, lamb check, then lamb deploy", doc.Function, doc.Runtime)
	return nil
}

// initFromTemplate renders lamb's template for the runtime asked or
// detected in dir.
func initFromTemplate(f *Factory, opts *InitOptions, dir, abs string, doc *initDocument) ([]byte, error) {
	runtime := opts.Runtime
	if runtime == "" {
		family, marker, ok := templates.Detect(dir)
		if !ok {
			return nil, usageError(fmt.Errorf("cannot tell the runtime of the project in %s: found none of go.mod, pom.xml, build.gradle, pyproject.toml, requirements.txt, package.json, bootstrap", dir),
				"pass --runtime "+strings.Join(templates.FamilyNames(), "|"))
		}
		runtime, doc.DetectedFrom = family, marker
		f.IO.Progressf("detected %s from %s (pass --runtime to choose another)", family, marker)
	}
	fam, err := templates.Resolve(runtime)
	if err != nil {
		return nil, usageError(err, "")
	}
	name := opts.Name
	if name == "" {
		name = templates.NameFromDir(abs)
	}
	yaml, err := templates.LambYAML(runtime, name)
	if err != nil {
		return nil, usageError(err, "")
	}
	doc.Function, doc.Runtime, doc.Family = name, fam.Runtime, fam.Name
	return yaml, nil
}

// initFromFunction reads the deployed function opts.From and renders its
// settings, without its environment values.
func initFromFunction(ctx context.Context, f *Factory, opts *InitOptions, doc *initDocument) ([]byte, error) {
	sess := f.AWS()
	api, err := sess.Lambda(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := sess.Config(ctx)
	if err != nil {
		return nil, err
	}
	d, err := deploy.Describe(ctx, api, opts.From, cfg.Region)
	var nf *deploy.FunctionNotFoundError
	if errors.As(err, &nf) {
		return nil, usageError(err, "")
	}
	if err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = d.Settings.Name
	}
	yaml, err := templates.FromDeployed(name, d)
	if err != nil {
		return nil, usageError(err, "pass --name with a key for it in lamb.yaml")
	}
	doc.Function, doc.Runtime, doc.From, doc.Environment = name, d.Settings.Runtime, d.Settings.Name, d.EnvironmentNames
	if fam, err := templates.Resolve(d.Settings.Runtime); err == nil {
		doc.Family = fam.Name
	}
	return yaml, nil
}

// hookDocument is the --output json document of `lamb init --hook`.
type hookDocument struct {
	Written []string `json:"written"`
}

// initHook writes the example lifecycle hook into dir, through no link.
func initHook(f *Factory, dir string, force bool) error {
	hooks, err := safefile.MkdirIn(dir, filepath.Dir(hookFile), 0o755)
	var se *safefile.SymlinkError
	if errors.As(err, &se) {
		return usageError(err, symlinkHint)
	}
	if err != nil {
		return fmt.Errorf("make folder %s: %w", filepath.Join(dir, filepath.Dir(hookFile)), err)
	}
	path := filepath.Join(hooks, filepath.Base(hookFile))
	if err := writeInitFile(path, templates.CodeDeployHook(), force); errors.Is(err, fs.ErrExist) {
		return usageError(fmt.Errorf("%s already exists", path), "pass --force to overwrite it, or --dir to write elsewhere")
	} else if err != nil {
		return err
	}
	if f.Settings.JSON() {
		return ui.WriteJSON(f.IO.Out, hookDocument{Written: []string{path}})
	}
	f.IO.Progressf("wrote %s", path)
	f.IO.Progressf("deploy it as a function of its own, then name that function under deploy.hooks in lamb.yaml")
	return nil
}

// symlinkHint is what to do when lamb.yaml or .lambignore is a link.
const symlinkHint = "replace the link with a copy of the file it points at, or pass --dir to write elsewhere"

// writeInitFile writes data to path whole, through a temporary file; with
// force it replaces an existing file, without it an existing file (or
// link) is left alone and fs.ErrExist returned. A link is never written
// through.
func writeInitFile(path string, data []byte, force bool) error {
	write := safefile.CreateFile
	if force {
		write = safefile.ReplaceFile
	}
	err := write(path, data, 0o644)
	var se *safefile.SymlinkError
	switch {
	case err == nil, errors.Is(err, fs.ErrExist):
		return err
	case errors.As(err, &se):
		return usageError(err, symlinkHint)
	}
	return fmt.Errorf("write %s: %w", path, err)
}
