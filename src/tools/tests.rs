use super::*;

const JSON: &str = include_str!("../../tests/fixtures/tools/weather.json");
const TOML: &str = include_str!("../../tests/fixtures/tools/weather.toml");

#[test]
fn json_and_toml_define_the_same_tools() {
    let j = ToolSet::from_json(JSON).unwrap();
    let mut t = ToolSet::from_toml(TOML).unwrap();
    // TOML tables come back sorted by name; the JSON keeps its order.
    assert_eq!(
        j.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["get_weather", "get_time"]
    );
    t.tools.sort_by_key(|x| std::cmp::Reverse(x.name.clone()));
    assert_eq!(j, t);
    // Bare functions and {"tools": [...]} are read too.
    let bare = r#"{"tools": [{"name": "f", "parameters": {"type": "object"}}]}"#;
    assert_eq!(ToolSet::from_json(bare).unwrap().tools[0].name, "f");
    let list = "[[tools]]\nname = \"g\"\ndescription = \"d\"\n";
    let g = ToolSet::from_toml(list).unwrap();
    assert_eq!(
        g.tools[0].parameters,
        json!({"type": "object", "properties": {}})
    );
}

#[test]
fn the_wire_shape_is_openais() {
    let w = ToolSet::from_json(JSON).unwrap().wire();
    assert_eq!(w[0]["type"], "function");
    assert_eq!(w[0]["function"]["name"], "get_weather");
    assert_eq!(w[1]["function"]["parameters"]["required"], json!(["city"]));
    // And back: what we send is a tools file we read.
    assert_eq!(
        ToolSet::from_json(&w.to_string()).unwrap(),
        ToolSet::from_json(JSON).unwrap()
    );
}

#[test]
fn bad_definitions_say_what_is_wrong() {
    let cases = [
        ("[1]", "tool 1"),
        (r#"[{"description": "x"}]"#, "no `name`"),
        (r#"[{"name": "has space"}]"#, "use 1-64 letters"),
        (
            r#"[{"name": "f", "parameters": []}]"#,
            "must be a JSON Schema object",
        ),
        (
            r##"[{"name": "f", "parameters": {"$ref": "#/x"}}]"##,
            "$ref",
        ),
        (r#"[{"name": "f"}, {"name": "f"}]"#, "defined twice"),
        (r#"[{"name": "f", "paramters": {}}]"#, "paramters"),
        ("[]", "no tools"),
        ("{", "not JSON"),
        ("3", "expected a list"),
    ];
    for (text, want) in cases {
        let e = ToolSet::from_json(text).unwrap_err();
        assert!(e.contains(want), "{text}: {e}");
    }
    let e = ToolSet::from_toml("[tools.f]\nparameters = 3\n").unwrap_err();
    assert!(e.contains("parameters` must be"), "{e}");
}

#[test]
fn calls_are_checked_against_their_schema_with_the_path() {
    let t = ToolSet::from_json(JSON).unwrap();
    assert_eq!(
        t.check("get_weather", r#"{"city":"Paris"}"#).unwrap(),
        json!({"city": "Paris"})
    );
    let e = t.check("get_weather", r#"{"town":"Paris"}"#).unwrap_err();
    assert!(e.contains("city"), "{e}");
    let e = t
        .check("get_weather", r#"{"city":"Paris","unit":"kelvin"}"#)
        .unwrap_err();
    assert!(e.contains("unit"), "{e}");
    let e = t.check("get_weather", r#"{"city": 7}"#).unwrap_err();
    assert!(e.contains("city"), "{e}");
    let e = t.check("get_weather", r#"{"city": "Par"#).unwrap_err();
    assert!(e.contains("not JSON"), "{e}");
    let e = t.check("send_email", "{}").unwrap_err();
    assert!(e.contains("offered: get_weather, get_time"), "{e}");
    // No arguments at all is an empty object: fine for a tool without required ones.
    let free = ToolSet::from_json(r#"[{"name": "now"}]"#).unwrap();
    assert!(free.check("now", "").is_ok());
}

#[test]
fn stubs_answer_by_name_with_a_fallback() {
    let j = Stubs::parse(include_str!("../../tests/fixtures/tools/stubs.json"), false).unwrap();
    let t = Stubs::parse(include_str!("../../tests/fixtures/tools/stubs.toml"), true).unwrap();
    assert_eq!(j.answer("get_time"), Some("14:05 CET"));
    let w: Value = serde_json::from_str(j.answer("get_weather").unwrap()).unwrap();
    assert_eq!(w["temperature_c"], 21);
    assert_eq!(j.answer("other"), None);
    assert_eq!(t.answer("get_time"), Some("14:05 CET"));
    assert_eq!(t.answer("other"), Some("no data"));
    let tw: Value = serde_json::from_str(t.answer("get_weather").unwrap()).unwrap();
    assert_eq!(tw, w);
    assert!(Stubs::parse("[1]", false).unwrap_err().contains("map"));
    assert!(Stubs::parse("x = ", true).unwrap_err().contains("TOML"));
}

#[test]
fn files_by_extension_and_size() {
    let d = tempfile::tempdir().unwrap();
    let p = |n: &str| d.path().join(n).display().to_string();
    std::fs::write(p("t.toml"), TOML).unwrap();
    std::fs::write(p("t.json"), JSON).unwrap();
    std::fs::write(p("t.txt"), JSON).unwrap();
    assert_eq!(ToolSet::load(&p("t.toml")).unwrap().tools.len(), 2);
    assert_eq!(ToolSet::load(&p("t.json")).unwrap().tools.len(), 2);
    assert_eq!(ToolSet::load(&p("t.txt")).unwrap().tools.len(), 2);
    std::fs::write(p("big.json"), vec![b' '; (1 << 20) + 1]).unwrap();
    assert!(ToolSet::load(&p("big.json")).unwrap_err().contains("1 MiB"));
    assert!(
        ToolSet::load(&p("none.json"))
            .unwrap_err()
            .contains("none.json")
    );
}
