//! Programs compiled into one `CheckTable` answer as they do alone, computing a shared check
//! once per event; `may_match` decides a program by its `evt.type` checks alone.

use strata_filter::{
    Answers, CheckTable, FieldError, FieldSpec, Record, Schema, Type, Value, compile,
    compile_shared, parse,
};

/// Event codes: 0 and 1 are generic (their name is a parameter), 2 is `open`, 3 `close`.
struct Fields;

#[derive(Debug, Clone, Copy)]
enum F {
    Type,
    Name,
}

impl Schema for Fields {
    type Field = F;
    fn resolve(&self, name: &str, _: Option<&str>) -> Result<FieldSpec<F>, FieldError> {
        match name {
            "evt.type" => {
                let mut spec = FieldSpec::new(F::Type, Type::Charbuf);
                spec.event_type = true;
                Ok(spec)
            }
            "fd.name" => Ok(FieldSpec::new(F::Name, Type::Charbuf)),
            _ => Err(FieldError::Unknown),
        }
    }
    fn names(&self) -> Vec<String> {
        vec!["evt.type".into(), "fd.name".into()]
    }
    fn event_codes(&self, name: &str) -> Option<Vec<u16>> {
        match name {
            "open" => Some(vec![2]),
            "close" => Some(vec![3]),
            "mlock" => Some(vec![]),
            _ => None,
        }
    }
    fn uncertain_event_codes(&self) -> Vec<u16> {
        vec![0, 1]
    }
    fn event_code_count(&self) -> usize {
        4
    }
}

/// An event: its code, its type name, its fd name; counts extractions of `fd.name`.
struct Ev {
    code: u16,
    name: &'static str,
    fd: &'static str,
    reads: usize,
}

impl Record for Ev {
    type Field = F;
    fn extract(&mut self, f: &F, each: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
        match f {
            F::Type => each(Value::Bytes(self.name.as_bytes())),
            F::Name => {
                self.reads += 1;
                each(Value::Bytes(self.fd.as_bytes()))
            }
        };
        true
    }
    fn event_code(&self) -> Option<u16> {
        Some(self.code)
    }
}

fn ev(code: u16, name: &'static str, fd: &'static str) -> Ev {
    Ev {
        code,
        name,
        fd,
        reads: 0,
    }
}

#[test]
fn shared_checks_answer_once_and_alike() {
    let texts = [
        "evt.type = open and fd.name startswith /etc",
        "evt.type = open and fd.name startswith /etc and not fd.name endswith .conf",
        "fd.name startswith /etc or evt.type = close",
    ];
    let mut table = CheckTable::new();
    let shared: Vec<_> = texts
        .iter()
        .map(|t| compile_shared(&Fields, &parse(t).unwrap(), &mut table).unwrap())
        .collect();
    let alone: Vec<_> = texts
        .iter()
        .map(|t| compile(&Fields, &parse(t).unwrap()).unwrap())
        .collect();
    // `fd.name startswith /etc` is one slot for the three programs; `evt.type` checks take none.
    assert_eq!(table.len(), 2);
    let mut answers = Answers::new(table.len());
    for (code, name, fd) in [
        (2, "open", "/etc/passwd"),
        (2, "open", "/etc/ld.so.conf"),
        (3, "close", "/tmp/x"),
        (2, "open", "/tmp/x"),
    ] {
        answers.next_event();
        let mut e = ev(code, name, fd);
        let got: Vec<bool> = shared
            .iter()
            .map(|p| p.matches_shared(&mut e, &mut answers))
            .collect();
        let want: Vec<bool> = alone
            .iter()
            .map(|p| p.matches(&mut ev(code, name, fd)))
            .collect();
        assert_eq!(got, want, "{name} {fd}");
        // `startswith /etc` read once, `endswith .conf` at most once more.
        assert!(e.reads <= 2, "{name} {fd}: {} reads", e.reads);
    }
}

#[test]
fn may_match_decides_by_type_checks_only() {
    let p = compile(
        &Fields,
        &parse("evt.type in (open, mlock) and fd.name = /x").unwrap(),
    )
    .unwrap();
    // Codes 0 and 1 (generic) are in the index; the name decides.
    assert!(p.event_types().contains(0));
    assert!(p.may_match(&mut ev(0, "mlock", "")));
    assert!(!p.may_match(&mut ev(0, "munlock", "")));
    assert!(p.may_match(&mut ev(2, "open", "")));
    assert!(!p.may_match(&mut ev(3, "close", "")));
    // Without type checks, anything may match.
    let q = compile(&Fields, &parse("fd.name = /x").unwrap()).unwrap();
    assert!(q.may_match(&mut ev(0, "munlock", "")));
    // `not` of a decided check is decided; of an undecided one, not.
    let r = compile(&Fields, &parse("not evt.type = open").unwrap()).unwrap();
    assert!(!r.may_match(&mut ev(2, "open", "")));
    assert!(r.may_match(&mut ev(3, "close", "")));
}

#[test]
fn alternatives_on_one_field_read_it_once() {
    let text = "fd.name startswith /etc or fd.name startswith /usr or fd.name = /x or evt.type = close or fd.name startswith /var";
    let p = compile(&Fields, &parse(text).unwrap()).unwrap();
    for (code, name, fd, want) in [
        (2, "open", "/usr/lib", true),
        (2, "open", "/var/log", true),
        (2, "open", "/x", true),
        (2, "open", "/xy", false),
        (3, "close", "/tmp", true),
        (2, "open", "/tmp", false),
    ] {
        let mut e = ev(code, name, fd);
        assert_eq!(p.matches(&mut e), want, "{fd}");
        // The three `startswith` are one check; `=` another.
        assert!(e.reads <= 2, "{fd}: {} reads", e.reads);
    }
}

/// `Program::fields` lists every field read, on either side, inside transformers and lists.
#[test]
fn a_program_lists_the_fields_it_reads() {
    let names = |text: &str| {
        let p = compile(&Fields, &parse(text).unwrap()).unwrap();
        p.fields()
            .iter()
            .map(|f| match f {
                F::Type => "evt.type",
                F::Name => "fd.name",
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(names("evt.type = open"), ["evt.type"]);
    assert_eq!(
        names("evt.type = open and not (fd.name contains x or evt.type = close)"),
        ["evt.type", "fd.name", "evt.type"]
    );
    assert_eq!(
        names("tolower(fd.name) = val(evt.type)"),
        ["fd.name", "evt.type"]
    );
    assert_eq!(names("fd.name exists"), ["fd.name"]);
}
