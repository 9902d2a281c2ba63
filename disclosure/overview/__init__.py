"""The officer's landing page (工作概览): what is waiting in the organisations the officer may
read: cases due soon, overdue, waiting for an extension's approval or for a correction; catalogue
drafts; the state of the annual report for the current reporting year."""
