"""The commands that hand the notebooks out: student (the student edition, or one per student of a
class list), lab-edition (the course edition in make lab's work folder) and fold-solutions (the
source notebooks' solutions folded, for authors)."""

from __future__ import annotations

from course_tools.run.commands import reporting_failures
from course_utils.language import BOTH, lang_choices, language_codes


def add_commands(subparsers) -> None:
    """Add student, lab-edition and fold-solutions to ``subparsers``."""
    student = subparsers.add_parser("student", help="write the student edition: every notebook "
                                    "without its solutions (build/student/)")
    student.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    student.add_argument("--lang", choices=lang_choices(), default=BOTH,
                         help="one language, or both (default)")
    student.add_argument("--out", default="build/student", help="output folder (default: build/student)")
    student.add_argument("--class-list", help="CSV with the columns student,lang: one edition per student, in "
                         "their language, with their own exercise values (<out>/<student>/)")
    student.set_defaults(handler=_write_student_edition)

    edition = subparsers.add_parser("lab-edition", help="copy the one-language course edition into the "
                                    "student's work folder (executing what is not cached yet)")
    edition.add_argument("--lang", choices=language_codes(), required=True)
    edition.set_defaults(handler=_lab_edition)

    fold = subparsers.add_parser("fold-solutions", help="fold the solution cells of the source notebooks, "
                                 "source and outputs (metadata only: nothing runs, the outputs stay for nbval)")
    fold.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 02 (default: all)")
    fold.set_defaults(handler=_fold_solutions)

    i18n = subparsers.add_parser("i18n", help="update the translation catalogs from the modules and the notebooks' "
                                 "code cells, and compile them (course_utils/locale/)")
    i18n.add_argument("--check", action="store_true", help="only report what is missing, untranslated or fuzzy")
    i18n.set_defaults(handler=_update_catalogs)
    translation = subparsers.add_parser("i18n-add", help="add or change one translation in a catalog")
    translation.add_argument("message", help="the English message, exactly as in the code")
    translation.add_argument("translation", nargs="+", help="its translation (plural forms: one each)")
    translation.add_argument("--lang", default="zh", help="the language (default: zh)")
    translation.add_argument("--context", help="the message context, where one English word has two meanings")
    translation.add_argument("--plural", help="the English plural, for a message with a count")
    translation.set_defaults(handler=_add_translation)


def _write_student_edition(args) -> int:
    from course_tools.notebook.student import (
        write_class_editions,
        write_student_edition,
    )
    from course_tools.run.runner import course_notebooks

    if args.class_list:
        from course_tools.notebook.class_list import read_class_list

        folders = write_class_editions(course_notebooks(args.names), read_class_list(args.class_list), args.out)
        print(f"Student editions (no solutions), each with the student's own exercises: {len(folders)} "
              f"folders in {args.out}/ (student/notebooks/*.ipynb). Grade them with make grade.")
        return 0
    written = write_student_edition(course_notebooks(args.names), args.out, lang=args.lang)
    print("\n".join(["Student edition (no solutions):", *(f"  {path}" for path in written)]))
    print("Everyone gets the course's own exercises: grade this class with make grade SAME_EXERCISES=1 "
          "(make student CLASS=class.csv gives each student their own).")
    return 0


def _lab_edition(args) -> int:
    from course_tools.notebook.editions import prepare_work_folder

    def prepare():
        folder = prepare_work_folder(args.lang)
        print(f"[lab] The {args.lang} course edition is in {folder} (your own copy: rebuilding never "
              "overwrites a notebook you changed).")

    return reporting_failures(prepare)


def _fold_solutions(args) -> int:
    import nbformat

    from course_tools.notebook.editions import fold_solutions
    from course_tools.run.runner import course_notebooks

    for path in course_notebooks(args.names):
        nb = nbformat.read(path, as_version=4)
        changed = fold_solutions(nb)
        if changed:
            nbformat.write(nb, path)
        print(f"{path.name}: {changed} solution cell(s) folded now" if changed else f"{path.name}: already folded")
    return 0


def _update_catalogs(args) -> int:
    from course_tools.notebook import catalogs

    if not args.check:
        for path in catalogs.update():
            print(f"[i18n] {path} and its .mo are in step with the code.")
    found = catalogs.problems()
    print("\n".join(found) if found else "[i18n] Every message is translated.")
    return 1 if found else 0


def _add_translation(args) -> int:
    from course_tools.notebook import catalogs

    catalogs.add(args.message, args.translation[0], language=args.lang, context=args.context,
                 plural=args.plural, plural_translations=tuple(args.translation) if args.plural else ())
    catalogs.compile_catalogs()
    return 0
