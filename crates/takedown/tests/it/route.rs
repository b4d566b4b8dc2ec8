//! The routing rules of `reference/takedown.md`.

use lodge_takedown::route::{Delisting, Maker, Nature, Route, Situation, plan};

fn situation(maker: Maker, paid: bool, nature: Nature) -> Situation {
    Situation { maker, paid, nature, eu: false, behind_cdn: false, her_own_account: false }
}

#[test]
fn her_own_pirated_work_goes_the_copyright_way() {
    let p = plan(&situation(Maker::Her, true, Nature::Real));
    assert_eq!(p.routes, [Route::Dmca, Route::SearchDelisting { kind: Delisting::Copyright }]);
}

#[test]
fn intimate_images_she_is_not_paid_for_can_also_go_the_ncii_way() {
    let p = plan(&situation(Maker::Her, false, Nature::Real));
    assert!(p.routes.contains(&Route::PlatformNcii { synthetic: false }));
    assert!(p.routes.contains(&Route::SearchDelisting { kind: Delisting::Ncii }));
    let someone = plan(&situation(Maker::SomeoneElse, true, Nature::Real));
    assert_eq!(someone.routes, [Route::PlatformNcii { synthetic: false }], "paid content: no NCII delisting");
    assert!(someone.notes.iter().any(|n| n.contains("not being sold")));
}

#[test]
fn studio_content_is_not_hers_to_claim() {
    let mut studio = situation(Maker::Studio, true, Nature::Real);
    studio.eu = true;
    let p = plan(&studio);
    assert!(p.routes.is_empty(), "not even a DSA notice in the studio's place: {:?}", p.routes);
    assert!(p.notes.iter().any(|n| n.contains("studio owns the copyright")));
}

#[test]
fn fakes_eu_sites_cdns_and_her_own_accounts() {
    let mut s = situation(Maker::SomeoneElse, false, Nature::Fake);
    s.eu = true;
    s.behind_cdn = true;
    let p = plan(&s);
    assert_eq!(
        p.routes,
        [
            Route::PlatformNcii { synthetic: true },
            Route::SearchDelisting { kind: Delisting::Fake },
            Route::DsaArticle16
        ]
    );
    assert!(p.notes.iter().any(|n| n.contains("CDN")));
    assert!(p.notes.iter().any(|n| n.contains("does not delete")));
    s.her_own_account = true;
    assert!(plan(&s).routes.is_empty(), "her own accounts are never reported");
}
