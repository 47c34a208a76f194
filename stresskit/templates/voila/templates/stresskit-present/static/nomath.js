// stresskit present: loaded by the page's LaTeX typesetter (JupyterLab's MathJax 2 plugin) in place
// of MathJax: the workbook's pages hold no formulas, so no text on them is read as TeX. MathJax 3,
// bundled with Voilà, cost every first page about 1 MB of script and a pass over every widget label.
window.MathJax = { Hub: { Queue() {}, Config() {}, Configured() {}, Register: { StartupHook() {} } } };
