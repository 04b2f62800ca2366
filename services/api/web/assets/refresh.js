// While an import or a recompute runs, the data page reloads itself to show its progress.
if (document.getElementById("busy")) {
  setTimeout(() => window.location.reload(), 5000);
}
