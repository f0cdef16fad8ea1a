from ingestion.text_quality import looks_like_ocr_noise

PROSE = (
    "Photosynthesis converts light energy into chemical energy. It happens in the chloroplasts, "
    "where chlorophyll absorbs red and blue light; the Calvin cycle then fixes carbon dioxide."
)
GERMAN = "Die Topologie untersucht Eigenschaften, die unter stetigen Abbildungen erhalten bleiben."
NOISE = "«POAH «3E*»CM tanntxim. inc. /^. ^ toi n»Bfl. iseorty ttsrootj saifii, GROTE, s*r;tiiR»"


def test_prose_is_not_noise():
    assert not looks_like_ocr_noise(PROSE)
    assert not looks_like_ocr_noise(GERMAN)


def test_ocr_debris_is_noise():
    assert looks_like_ocr_noise(NOISE)
